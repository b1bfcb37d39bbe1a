using System.Diagnostics;
using System.Net;

namespace PeerVault.Load.Bench;

/// <summary>
/// One bench run: the cluster (started here unless endpoints were given), the machine's limits,
/// then large objects, a large object through a non-replica node, small objects at each
/// concurrency, the mix, the listing and the small DELETEs; every result with its ratio to its
/// limit. What the run wrote is deleted at the end unless <c>--keep</c>.
/// </summary>
internal static class BenchRunner
{
    public static async Task<BenchResult> RunAsync(BenchOptions options, BenchProgress progress, CancellationToken cancellationToken)
    {
        var runId = Guid.NewGuid().ToString("N")[..8];
        var ownsWorkDirectory = options.WorkDirectory is null;
        var workDirectory = options.WorkDirectory ?? Path.Combine(Path.GetTempPath(), $"peervault-bench-{runId}");
        Directory.CreateDirectory(workDirectory);
        var startedAt = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var phases = new List<PhaseResult>();
        MachineLimits? limits = null;
        BenchResult result;
        using (var cluster = await BenchCluster.OpenAsync(options, workDirectory, cancellationToken))
        {
            var context = new BenchContext(options, cluster, progress, $"{options.Prefix}{runId}/");
            if (options.Runs(BenchPhases.Limits))
            {
                limits = await MachineLimitsProbe.MeasureAsync(workDirectory, options.LargeBytes, progress, cancellationToken);
            }

            void Add(IEnumerable<PhaseResult> done, int? watched = null)
            {
                foreach (var phase in done)
                {
                    var measured = BenchTargets.Attach(phase, limits, cluster.Names, watched);
                    phases.Add(measured);
                    progress.Report(BenchReport.Line(measured));
                }
            }

            if (options.Runs(BenchPhases.Large))
            {
                Add(await LargeObjectWorkload.RunLargeAsync(context, cancellationToken));
            }

            if (options.Runs(BenchPhases.Through))
            {
                Add(await LargeObjectWorkload.RunThroughAsync(context, cancellationToken));
            }

            var small = new SmallObjectWorkload(context);
            if (options.Runs(BenchPhases.Small))
            {
                Add(await small.RunPutsAndGetsAsync(cancellationToken));
            }

            if (options.Runs(BenchPhases.Mixed))
            {
                Add([await MixedWorkload.RunAsync(context, cancellationToken)]);
            }

            if (options.Runs(BenchPhases.List))
            {
                Add([await ListingWorkload.RunAsync(context, cancellationToken)]);
            }

            if (options.Runs(BenchPhases.S3))
            {
                Add(await S3Workload.RunAsync(context, cancellationToken));
            }

            if (options.Runs(BenchPhases.Small) && !options.Keep)
            {
                Add(await small.RunDeletesAsync(cancellationToken));
            }

            if (!options.Keep)
            {
                await CleanUpAsync(context, cancellationToken);
            }

            result = new BenchResult(
                startedAt,
                Math.Round(clock.Elapsed.TotalSeconds, 1),
                BenchEnvironment.GitCommit(),
                BenchEnvironment.Describe(workDirectory),
                new BenchSettings(options.LargeBytes, options.ThroughBytes, options.SmallBytes, options.SmallCount, options.Concurrency, options.PhaseDuration.TotalSeconds, [.. BenchPhases.All.Where(options.Runs)]),
                new ClusterInfo(options.Local, [.. cluster.Endpoints.Select(e => e.ToString())], cluster.Names, cluster.Replicas, cluster.WriteQuorum),
                limits,
                phases,
                phases.Sum(p => p.Errors),
                phases.Sum(p => p.VerificationFailures),
                context.Problems);
        }

        // A local cluster's data goes with a run that went well; a failed one keeps it (and the node logs) for a look.
        if (options.Local && ownsWorkDirectory && result.Errors == 0 && result.VerificationFailures == 0)
        {
            Directory.Delete(workDirectory, recursive: true);
        }

        return result;
    }

    /// <summary>Deletes what the run stored and has not deleted yet (large, mixed; small ones when their phases did not).</summary>
    private static async Task CleanUpAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var api = context.Cluster.Api;
        var node = context.Cluster.Endpoints[0];
        await Parallel.ForEachAsync(context.LiveKeys.Keys.ToList(), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (key, token) =>
        {
            var (status, problem) = await api.DeleteAsync(node, key, token);
            if (status is HttpStatusCode.OK or HttpStatusCode.NotFound)
            {
                context.LiveKeys.TryRemove(key, out _);
            }
            else
            {
                context.Problem($"clean-up: {key}: {(int)status} {problem}");
            }
        });
    }
}
