using System.Diagnostics;

namespace PeerVault.Node.Cluster.Repair;

/// <summary>
/// Keeps repair traffic (anti-entropy, hand-offs) under a byte rate: after each transfer the caller
/// waits as long as it takes for the bytes moved so far to fit the rate, so clients keep priority.
/// </summary>
public sealed class RepairThrottle(ClusterOptions options, TimeProvider time)
{
    private readonly Lock _lock = new();
    private readonly long _started = Stopwatch.GetTimestamp();
    private double _budgetUsedUntil;

    public async Task SpendAsync(long bytes, CancellationToken cancellationToken)
    {
        if (bytes <= 0 || options.RepairBytesPerSecond <= 0)
        {
            return;
        }

        TimeSpan wait;
        lock (_lock)
        {
            var now = Stopwatch.GetElapsedTime(_started).TotalSeconds;
            _budgetUsedUntil = Math.Max(_budgetUsedUntil, now) + (bytes / (double)options.RepairBytesPerSecond);
            wait = TimeSpan.FromSeconds(Math.Max(0, _budgetUsedUntil - now - 1));
        }

        // One second of burst is free; beyond it, wait.
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, time, cancellationToken);
        }
    }
}
