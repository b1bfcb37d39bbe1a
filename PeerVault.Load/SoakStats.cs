using System.Collections.Concurrent;

namespace PeerVault.Load;

/// <summary>What the clients did and what went wrong, shared by all of them.</summary>
internal sealed class SoakStats
{
    private const int KeptSamples = 200;
    private readonly long[] _succeeded = new long[3];
    private readonly long[] _expected = new long[3];
    private readonly long[] _unexpected = new long[3];
    private readonly List<double>[] _latencies = [[], [], []];
    private readonly ConcurrentDictionary<string, int> _expectedByCause = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _unexpectedByCause = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _unexpectedSamples = new();
    private long _bytesWritten;
    private long _bytesRead;
    private long _verificationFailures;

    public long BytesWritten => Interlocked.Read(ref _bytesWritten);

    public long BytesRead => Interlocked.Read(ref _bytesRead);

    public long Succeeded(OperationKind kind) => Interlocked.Read(ref _succeeded[(int)kind]);

    public long ExpectedErrors(OperationKind kind) => Interlocked.Read(ref _expected[(int)kind]);

    public long UnexpectedErrors(OperationKind kind) => Interlocked.Read(ref _unexpected[(int)kind]);

    public long Operations => Enum.GetValues<OperationKind>().Sum(k => Succeeded(k) + ExpectedErrors(k) + UnexpectedErrors(k));

    public long TotalExpected => Enum.GetValues<OperationKind>().Sum(ExpectedErrors);

    public long TotalUnexpected => Enum.GetValues<OperationKind>().Sum(UnexpectedErrors) + _verificationFailures;

    public IReadOnlyDictionary<string, int> ExpectedByCause => _expectedByCause;

    public IReadOnlyDictionary<string, int> UnexpectedByCause => _unexpectedByCause;

    public IReadOnlyCollection<string> UnexpectedSamples => _unexpectedSamples;

    public void Success(OperationKind kind, TimeSpan latency, long bytesWritten = 0, long bytesRead = 0)
    {
        Interlocked.Increment(ref _succeeded[(int)kind]);
        Interlocked.Add(ref _bytesWritten, bytesWritten);
        Interlocked.Add(ref _bytesRead, bytesRead);
        var list = _latencies[(int)kind];
        lock (list)
        {
            list.Add(latency.TotalMilliseconds);
        }
    }

    public void Expected(OperationKind kind, string cause)
    {
        Interlocked.Increment(ref _expected[(int)kind]);
        _expectedByCause.AddOrUpdate(cause, 1, (_, n) => n + 1);
    }

    public void Unexpected(OperationKind kind, string cause, string detail)
    {
        Interlocked.Increment(ref _unexpected[(int)kind]);
        Record(cause, detail);
    }

    /// <summary>A check after the workload (final read-back, listing, leftovers) that failed.</summary>
    public void VerificationFailed(string cause, string detail)
    {
        Interlocked.Increment(ref _verificationFailures);
        Record(cause, detail);
    }

    /// <summary>Latency percentile (0..100) of successful operations of a kind, in milliseconds.</summary>
    public double Percentile(OperationKind kind, double percentile)
    {
        var list = _latencies[(int)kind];
        double[] sorted;
        lock (list)
        {
            sorted = [.. list];
        }

        if (sorted.Length == 0)
        {
            return 0;
        }

        Array.Sort(sorted);
        return sorted[Math.Clamp((int)Math.Ceiling(percentile / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    private void Record(string cause, string detail)
    {
        _unexpectedByCause.AddOrUpdate(cause, 1, (_, n) => n + 1);
        if (_unexpectedSamples.Count < KeptSamples)
        {
            _unexpectedSamples.Enqueue($"[{DateTime.UtcNow:HH:mm:ss.fff}] {cause}: {detail}");
        }
    }
}
