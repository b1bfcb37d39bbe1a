using System.Diagnostics;
using PeerVault.Node.Storage;

namespace PeerVault.Node.Cluster.Repair;

/// <summary>
/// Keeps background traffic under a byte rate: after each piece of work the caller waits as long as
/// it takes for the bytes moved so far to fit the rate, so clients keep priority. One second of
/// burst is free.
/// </summary>
public class ByteThrottle(Func<long> bytesPerSecond, TimeProvider time)
{
    private readonly Lock _lock = new();
    private readonly long _started = Stopwatch.GetTimestamp();
    private double _budgetUsedUntil;

    public async Task SpendAsync(long bytes, CancellationToken cancellationToken)
    {
        var rate = bytesPerSecond();
        if (bytes <= 0 || rate <= 0)
        {
            return;
        }

        TimeSpan wait;
        lock (_lock)
        {
            var now = Stopwatch.GetElapsedTime(_started).TotalSeconds;
            _budgetUsedUntil = Math.Max(_budgetUsedUntil, now) + (bytes / (double)rate);
            wait = TimeSpan.FromSeconds(Math.Max(0, _budgetUsedUntil - now - 1));
        }

        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, time, cancellationToken);
        }
    }
}

/// <summary>The rate anti-entropy and hand-offs may move (<see cref="ClusterOptions.RepairBytesPerSecond"/>).</summary>
public sealed class RepairThrottle(ClusterOptions options, TimeProvider time) : ByteThrottle(() => options.RepairBytesPerSecond, time);

/// <summary>The rate a scrub pass may read (<see cref="StorageOptions.ScrubBytesPerSecond"/>).</summary>
public sealed class ScrubThrottle(StorageOptions options, TimeProvider time) : ByteThrottle(() => options.ScrubBytesPerSecond, time);
