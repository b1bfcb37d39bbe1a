using System.Diagnostics;

namespace PeerVault.Load.Bench;

/// <summary>
/// Lists every key in the cluster through one node, page after page, and checks that the keys
/// under this run's prefix are exactly the ones it stored and has not deleted.
/// </summary>
internal static class ListingWorkload
{
    public static async Task<PhaseResult> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var cluster = context.Cluster;
        var histogram = new LatencyHistogram();
        using var bar = context.Progress.Start("list all", Math.Max(1, context.LiveKeys.Count));
        await using var meter = NodeMeter.Start(cluster.Processes);
        var ours = new HashSet<string>(StringComparer.Ordinal);
        long listed = 0, pages = 0;
        var clock = Stopwatch.StartNew();
        var pageStarted = Stopwatch.GetTimestamp();
        await cluster.Api.ListPagesAsync(cluster.Endpoints[0], string.Empty, page =>
        {
            histogram.Record(Stopwatch.GetElapsedTime(pageStarted));
            pages++;
            listed += page.Count;
            foreach (var (key, _) in page)
            {
                if (key.StartsWith(context.RunPrefix, StringComparison.Ordinal))
                {
                    ours.Add(key);
                }
            }

            bar.Advance(page.Count);
            pageStarted = Stopwatch.GetTimestamp();
        }, cancellationToken);
        var seconds = clock.Elapsed.TotalSeconds;
        var nodes = await meter.StopAsync();
        var expected = context.LiveKeys.Keys.ToHashSet(StringComparer.Ordinal);
        var missing = expected.Except(ours).Count();
        var extra = ours.Except(expected).Count();
        if (missing + extra > 0)
        {
            context.Problem($"list all: {missing} stored key(s) of this run missing from the listing, {extra} listed that it does not hold");
        }

        return new PhaseResult(
            "list all",
            "list",
            1,
            cluster.Names[0],
            listed,
            missing + extra > 0 ? 1 : 0,
            Verified: ours.Count,
            VerificationFailures: missing + extra,
            Bytes: 0,
            Math.Round(seconds, 3),
            Math.Round(listed / seconds, 1),
            0,
            histogram.Figures(),
            nodes,
            Ratio: null,
            Note: $"{listed} keys in {pages} page(s), keys/s as ops/s, latency per page; {ours.Count} of this run's, {expected.Count} expected");
    }
}
