using System.Collections.Concurrent;

namespace PeerVault.Load.Bench;

/// <summary>What every workload of one run shares: the options, the cluster, the display, the keys it wrote and what went wrong.</summary>
internal sealed class BenchContext(BenchOptions options, BenchCluster cluster, BenchProgress progress, string runPrefix)
{
    private const int ProblemsKept = 20;
    private readonly ConcurrentQueue<string> _problems = new();

    public BenchOptions Options { get; } = options;

    public BenchCluster Cluster { get; } = cluster;

    public BenchProgress Progress { get; } = progress;

    /// <summary>The prefix of every key this run writes: <c>{--prefix}{run id}/</c>.</summary>
    public string RunPrefix { get; } = runPrefix;

    /// <summary>Keys this run has stored and not deleted (the listing must find exactly these under <see cref="RunPrefix"/>).</summary>
    public ConcurrentDictionary<string, byte> LiveKeys { get; } = new(StringComparer.Ordinal);

    public SmallContent Small { get; } = new(options.SmallBytes);

    public IReadOnlyList<string> Problems => [.. _problems];

    /// <summary>Keeps the first few problems (the counts are in the phase results).</summary>
    public void Problem(string text)
    {
        if (_problems.Count < ProblemsKept)
        {
            _problems.Enqueue(text);
        }
    }
}
