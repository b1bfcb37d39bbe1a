using System.Collections.Concurrent;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>Publishes every change of every resource's snapshot, and lets callers wait for a state.</summary>
public sealed class ResourceNotificationService
{
    private readonly ConcurrentDictionary<string, ResourceSnapshot> _current = new(StringComparer.Ordinal);
    private readonly Broadcast<ResourceSnapshot> _broadcast = new();
    private long _version;

    /// <summary>Increases with every published change (the dashboard polls it for live updates).</summary>
    public long Version => Interlocked.Read(ref _version);

    public IReadOnlyCollection<ResourceSnapshot> Current => [.. _current.Values.OrderBy(s => s.Name, StringComparer.Ordinal)];

    public ResourceSnapshot Get(string name)
        => _current.TryGetValue(name, out var snapshot) ? snapshot : throw new ArgumentException($"No resource named '{name}'.", nameof(name));

    /// <summary>The current snapshots, then every snapshot published from now on.</summary>
    public IAsyncEnumerable<ResourceSnapshot> WatchAsync(CancellationToken cancellationToken = default)
        => _broadcast.WatchAsync(() => _current.Values, cancellationToken);

    public async Task<ResourceSnapshot> WaitForResourceAsync(string name, Func<ResourceSnapshot, bool> predicate, CancellationToken cancellationToken = default)
    {
        await foreach (var snapshot in WatchAsync(cancellationToken))
        {
            if (snapshot.Name == name && predicate(snapshot))
            {
                return snapshot;
            }
        }

        throw new OperationCanceledException(cancellationToken);
    }

    public Task<ResourceSnapshot> WaitForResourceAsync(string name, string targetState, CancellationToken cancellationToken = default)
        => WaitForResourceAsync(name, s => s.State == targetState, cancellationToken);

    /// <summary>Until the resource is Running and (if it has health checks) Healthy; fails if it stops first.</summary>
    public Task<ResourceSnapshot> WaitForResourceHealthyAsync(string name, CancellationToken cancellationToken = default)
        => WaitForResourceAsync(
            name,
            s => KnownResourceStates.IsTerminal(s.State)
                ? throw new InvalidOperationException($"Resource '{name}' is {s.State}{(s.ExitCode is { } code ? $" (exit code {code})" : string.Empty)} and will not become healthy.")
                : s.State == KnownResourceStates.Running && (!s.HasHealthChecks || s.HealthStatus == HealthStatus.Healthy),
            cancellationToken);

    internal ResourceSnapshot Publish(string name, Func<ResourceSnapshot, ResourceSnapshot> update)
        => _broadcast.Publish(() =>
        {
            var next = update(Get(name));
            _current[name] = next;
            Interlocked.Increment(ref _version);
            return next;
        });

    internal void Register(ResourceSnapshot snapshot) => _current[snapshot.Name] = snapshot;
}
