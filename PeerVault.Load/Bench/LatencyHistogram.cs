using System.Numerics;

namespace PeerVault.Load.Bench;

/// <summary>
/// Latencies in microseconds, recorded by many workers at once without a lock, in log-linear
/// buckets (64 per power of two, so a percentile is within 1.6 % of the true value) instead of a
/// list of every sample: a phase of millions of requests costs the same few kilobytes.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int SubBuckets = 64;
    private const int SubBits = 6;

    // Up to 2^44 µs (about 200 days): far beyond any request.
    private readonly long[] _counts = new long[SubBuckets * 40];
    private long _count;
    private long _max;

    public long Count => Interlocked.Read(ref _count);

    public void Record(TimeSpan latency) => RecordMicroseconds((long)latency.TotalMicroseconds);

    public void RecordMicroseconds(long microseconds)
    {
        var value = Math.Max(0, microseconds);
        Interlocked.Increment(ref _counts[Index(value)]);
        Interlocked.Increment(ref _count);
        long seen;
        while (value > (seen = Interlocked.Read(ref _max)) && Interlocked.CompareExchange(ref _max, value, seen) != seen)
        {
        }
    }

    /// <summary>The value at or below which <paramref name="percentile"/> % of the samples lie (the top of its bucket, never above the max), in milliseconds.</summary>
    public double PercentileMilliseconds(double percentile)
    {
        var count = Count;
        if (count == 0)
        {
            return 0;
        }

        var rank = Math.Max(1, (long)Math.Ceiling(percentile / 100 * count));
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += Interlocked.Read(ref _counts[i]);
            if (seen >= rank)
            {
                return Math.Min(HighestIn(i), Interlocked.Read(ref _max)) / 1000.0;
            }
        }

        return MaxMilliseconds;
    }

    public double MaxMilliseconds => Interlocked.Read(ref _max) / 1000.0;

    public LatencyFigures Figures() => new(
        Math.Round(PercentileMilliseconds(50), 3),
        Math.Round(PercentileMilliseconds(90), 3),
        Math.Round(PercentileMilliseconds(99), 3),
        Math.Round(MaxMilliseconds, 3));

    /// <summary>Values below 64 have a bucket each; above, a power of two is split into 64 equal buckets.</summary>
    internal static int Index(long value)
    {
        if (value < SubBuckets)
        {
            return (int)value;
        }

        var shift = (63 - BitOperations.LeadingZeroCount((ulong)value)) - SubBits;
        return (SubBuckets * (shift + 1)) + (int)(value >> shift) - SubBuckets;
    }

    /// <summary>The largest value that falls in bucket <paramref name="index"/>.</summary>
    internal static long HighestIn(int index)
    {
        if (index < SubBuckets)
        {
            return index;
        }

        var shift = (index / SubBuckets) - 1;
        var sub = index % SubBuckets;
        return ((long)(SubBuckets + sub + 1) << shift) - 1;
    }
}
