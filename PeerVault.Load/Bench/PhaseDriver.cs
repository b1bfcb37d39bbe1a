using System.Diagnostics;

namespace PeerVault.Load.Bench;

/// <summary>How one phase runs: its name, workers, where its requests go and when it stops.</summary>
/// <param name="Name">As reported: <c>small put c32</c>.</param>
/// <param name="Workload">large, small, mixed, list.</param>
/// <param name="Concurrency">Workers, each with one request in flight.</param>
/// <param name="Through">The node the requests go to, or <c>all</c> (round-robin).</param>
/// <param name="MaxOperations">Stop after this many operations have started…</param>
/// <param name="Duration">…or once this long has passed (null: only the count stops it).</param>
/// <param name="ProgressBytes">When set, the bar counts these bytes and each operation advances it; otherwise the bar shows the larger of the count and time fractions.</param>
internal sealed record PhaseSpec(string Name, string Workload, int Concurrency, string Through, long MaxOperations, TimeSpan? Duration, long? ProgressBytes = null);

/// <summary>What one operation came to: whether it succeeded, the bytes it moved, whether a body was compared with what was written (<c>Checked</c>) and differed (<c>Mismatch</c>).</summary>
internal readonly record struct Outcome(bool Ok, long Bytes, bool Checked = false, bool Mismatch = false, string? Problem = null)
{
    public static Outcome Failed(string problem) => new(false, 0, Problem: problem);
}

/// <summary>
/// Runs a phase as a closed loop: N workers each start the next operation as soon as their last
/// one ends, until the count or the time is up, while the nodes are watched. Every operation's
/// latency goes into one histogram; a request that throws is an error, not the end of the run.
/// </summary>
internal static class PhaseDriver
{
    private const double Steps = 1000;

    public static async Task<PhaseResult> RunAsync(BenchContext context, PhaseSpec spec, Func<long, PhaseProgress, CancellationToken, Task<Outcome>> operation, CancellationToken cancellationToken)
    {
        var histogram = new LatencyHistogram();
        long next = -1, operations = 0, errors = 0, verified = 0, mismatches = 0, bytes = 0;
        using var bar = context.Progress.Start(spec.Name, spec.ProgressBytes ?? Steps);
        await using var meter = NodeMeter.Start(context.Cluster.Processes);
        var clock = Stopwatch.StartNew();
        long Next()
        {
            var index = clock.Elapsed < (spec.Duration ?? TimeSpan.MaxValue) ? Interlocked.Increment(ref next) : long.MaxValue;
            return index < spec.MaxOperations ? index : -1;
        }

        async Task WorkerAsync()
        {
            long index;
            while ((index = Next()) >= 0)
            {
                var started = Stopwatch.GetTimestamp();
                Outcome outcome;
                try
                {
                    outcome = await operation(index, bar, cancellationToken);
                }
                catch (Exception ex) when (NodeApi.IsTransportFailure(ex) || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
                {
                    outcome = Outcome.Failed($"{ex.GetType().Name}: {ex.Message}");
                }

                histogram.Record(Stopwatch.GetElapsedTime(started));
                Interlocked.Increment(ref operations);
                if (outcome.Ok)
                {
                    Interlocked.Add(ref bytes, outcome.Bytes);
                }
                else
                {
                    Interlocked.Increment(ref errors);
                }

                if (outcome.Checked)
                {
                    Interlocked.Increment(ref verified);
                }

                if (outcome.Mismatch)
                {
                    Interlocked.Increment(ref mismatches);
                }

                if (outcome.Problem is { } problem)
                {
                    context.Problem($"{spec.Name}: {problem}");
                }
            }
        }

        using var ticking = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var ticker = spec.ProgressBytes is null ? TickAsync(bar, spec, clock, () => Interlocked.Read(ref operations), ticking.Token) : Task.CompletedTask;
        await Task.WhenAll(Enumerable.Range(0, spec.Concurrency).Select(_ => Task.Run(WorkerAsync, cancellationToken)));
        var seconds = clock.Elapsed.TotalSeconds;
        await ticking.CancelAsync();
        await ticker;
        var nodes = await meter.StopAsync();
        var succeeded = operations - errors;
        return new PhaseResult(
            spec.Name,
            spec.Workload,
            spec.Concurrency,
            spec.Through,
            operations,
            errors,
            verified,
            mismatches,
            bytes,
            Math.Round(seconds, 3),
            Math.Round(succeeded / seconds, 1),
            Math.Round(bytes / seconds / 1e6, 1),
            histogram.Figures(),
            nodes,
            Ratio: null,
            Note: null);
    }

    /// <summary>Moves a count-or-time bar to the larger of the two fractions, five times a second.</summary>
    private static async Task TickAsync(PhaseProgress bar, PhaseSpec spec, Stopwatch clock, Func<long> operations, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(200));
        double shown = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                var byCount = (double)operations() / spec.MaxOperations;
                var byTime = spec.Duration is { } duration ? clock.Elapsed / duration : 0;
                var now = Math.Min(1, Math.Max(byCount, byTime)) * Steps;
                bar.Advance(now - shown);
                shown = now;
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The phase is over.
        }
    }
}
