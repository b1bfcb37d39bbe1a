using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>Publishes every change of every resource's snapshot, and lets callers wait for a state.</summary>
public sealed class ResourceNotificationService
{
    private readonly ConcurrentDictionary<string, ResourceSnapshot> _current = new(StringComparer.Ordinal);
    private readonly List<Channel<ResourceSnapshot>> _watchers = [];
    private readonly Lock _lock = new();
    private long _version;

    /// <summary>Increases with every published change (the dashboard polls it for live updates).</summary>
    public long Version => Interlocked.Read(ref _version);

    public IReadOnlyCollection<ResourceSnapshot> Current => [.. _current.Values.OrderBy(s => s.Name, StringComparer.Ordinal)];

    public ResourceSnapshot Get(string name)
        => _current.TryGetValue(name, out var snapshot) ? snapshot : throw new ArgumentException($"No resource named '{name}'.", nameof(name));

    /// <summary>Every snapshot published from now on (after the current ones).</summary>
    public async IAsyncEnumerable<ResourceSnapshot> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var channel = Channel.CreateUnbounded<ResourceSnapshot>();
        lock (_lock)
        {
            foreach (var snapshot in _current.Values)
            {
                channel.Writer.TryWrite(snapshot);
            }

            _watchers.Add(channel);
        }

        try
        {
            await foreach (var snapshot in channel.Reader.ReadAllAsync(cancellationToken))
            {
                yield return snapshot;
            }
        }
        finally
        {
            lock (_lock)
            {
                _watchers.Remove(channel);
            }
        }
    }

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
    {
        lock (_lock)
        {
            var next = update(Get(name));
            _current[name] = next;
            Interlocked.Increment(ref _version);
            foreach (var watcher in _watchers)
            {
                watcher.Writer.TryWrite(next);
            }

            return next;
        }
    }

    internal void Register(ResourceSnapshot snapshot) => _current[snapshot.Name] = snapshot;
}
