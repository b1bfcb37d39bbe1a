namespace PeerVault.Load;

/// <summary>Turns the tallies and samples into the result, and prints it.</summary>
internal static class SoakReport
{
    private const double Minute = 60;

    public static SoakResult Build(SoakOptions options, DateTimeOffset startedAt, TimeSpan elapsed, IReadOnlyList<Uri> endpoints, int writeQuorum, RestartTimes restart, SoakStats stats, VerificationFigures verification, IReadOnlyList<ResourceSample> samples)
    {
        var operations = Enum.GetValues<OperationKind>().ToDictionary(
            k => k.ToString().ToUpperInvariant(),
            k => new OperationFigures(stats.Succeeded(k), stats.ExpectedErrors(k), stats.UnexpectedErrors(k), Math.Round(stats.Percentile(k, 50), 1), Math.Round(stats.Percentile(k, 99), 1)),
            StringComparer.Ordinal);
        var mode = options.Local ? options.Restart.ToString().ToLowerInvariant() : options.RestartCommand is null ? "none" : "command";
        return new SoakResult(
            startedAt,
            Math.Round(elapsed.TotalSeconds, 1),
            options.Clients,
            options.KeysPerClient,
            options.Seed,
            [.. endpoints.Select(e => e.ToString())],
            writeQuorum,
            new RestartFigures(mode, restart.Node, Seconds(restart.Stopped), Seconds(restart.Started), Seconds(restart.Serving)),
            operations,
            stats.Operations,
            Math.Round(stats.Operations / elapsed.TotalSeconds, 1),
            stats.BytesWritten,
            stats.BytesRead,
            new SortedDictionary<string, int>(stats.ExpectedByCause.ToDictionary(), StringComparer.Ordinal),
            new SortedDictionary<string, int>(stats.UnexpectedByCause.ToDictionary(), StringComparer.Ordinal),
            stats.UnexpectedSamples,
            verification,
            Summarize(samples, elapsed.TotalSeconds),
            samples,
            stats.TotalUnexpected == 0);
    }

    public static void Print(SoakResult result)
    {
        var output = Console.Out;
        output.WriteLine();
        output.WriteLine("resources every 5 s (RSS MiB / open handles / threads):");
        var nodes = result.Resources.Select(r => r.Node).ToList();
        output.WriteLine($"{"t (s)",7}  " + string.Join("  ", nodes.Select(n => $"{n,-22}")));
        foreach (var moment in result.Samples.GroupBy(s => s.Seconds).OrderBy(g => g.Key))
        {
            var cells = nodes.Select(n => moment.FirstOrDefault(s => s.Node == n) is { } s ? $"{s.RssKiB / 1024.0,6:0.0} / {s.OpenHandles,4} / {s.Threads,3}" : "down");
            output.WriteLine($"{moment.Key,7:0.0}  " + string.Join("  ", cells.Select(c => $"{c,-22}")));
        }

        output.WriteLine();
        output.WriteLine("node    pids          RSS MiB first min → last min (peak) idle   handles first → last (peak) idle   threads first → last (peak) idle");
        foreach (var r in result.Resources)
        {
            output.WriteLine($"{r.Node,-7} {string.Join(",", r.Pids),-13} {r.FirstMinuteRssMiB,7:0.0} → {r.LastMinuteRssMiB,7:0.0} ({r.PeakRssMiB,6:0.0}) {r.EndRssMiB,6:0.0}   {r.FirstMinuteOpenHandles,6:0} → {r.LastMinuteOpenHandles,6:0} ({r.PeakOpenHandles,4}) {r.EndOpenHandles,4}   {r.FirstMinuteThreads,4:0} → {r.LastMinuteThreads,4:0} ({r.PeakThreads,3}) {r.EndThreads,3}");
        }

        output.WriteLine();
        output.WriteLine($"operations: {result.TotalOperations} in {result.DurationSeconds:0} s = {result.OperationsPerSecond:0.0}/s; {result.BytesWritten / 1048576.0:0} MiB written, {result.BytesRead / 1048576.0:0} MiB read (acknowledged PUTs, checked GETs)");
        foreach (var (kind, figures) in result.Operations)
        {
            output.WriteLine($"  {kind,-6} {figures.Succeeded,8} ok  {figures.ExpectedErrors,5} expected errors  {figures.UnexpectedErrors,5} unexpected  p50 {figures.P50Milliseconds,7:0.0} ms  p99 {figures.P99Milliseconds,8:0.0} ms");
        }

        output.WriteLine($"restart: {result.Restart.Mode} {result.Restart.Node ?? string.Empty} down at {result.Restart.StoppedAtSeconds:0.0} s, started at {result.Restart.StartedAtSeconds:0.0} s, all nodes see each other at {result.Restart.ServingAgainAtSeconds:0.0} s");
        foreach (var (cause, count) in result.ExpectedErrors)
        {
            output.WriteLine($"  expected   {count,6}  {cause}");
        }

        foreach (var (cause, count) in result.UnexpectedErrors)
        {
            output.WriteLine($"  UNEXPECTED {count,6}  {cause}");
        }

        foreach (var sample in result.UnexpectedSamples.Take(20))
        {
            output.WriteLine($"    {sample}");
        }

        var v = result.Verification;
        output.WriteLine($"verification: {v.Keys} keys read through every node: {v.Live} live, {v.Deleted} deleted, {v.Ambiguous} left by an unacknowledged attempt (either outcome allowed)");
        output.WriteLine(result.Passed ? "PASSED: no unexpected error, nothing lost" : "FAILED: see the unexpected errors above");
    }

    private static double? Seconds(TimeSpan? time) => time is { } t ? Math.Round(t.TotalSeconds, 1) : null;

    private static List<NodeResourceSummary> Summarize(IReadOnlyList<ResourceSample> samples, double duration)
        => [.. samples.GroupBy(s => s.Node).OrderBy(g => g.Key, StringComparer.Ordinal).Select(node =>
        {
            var first = node.Where(s => s.Seconds <= Minute).ToList();
            var last = node.Where(s => s.Seconds >= duration - Minute && s.Seconds <= duration).ToList();
            var end = node.MaxBy(s => s.Seconds)!;
            return new NodeResourceSummary(
                node.Key,
                [.. node.Select(s => s.Pid).Distinct()],
                Math.Round(Average(first, s => s.RssKiB) / 1024, 1),
                Math.Round(Average(last, s => s.RssKiB) / 1024, 1),
                Math.Round(node.Max(s => s.RssKiB) / 1024.0, 1),
                Math.Round(Average(first, s => s.OpenHandles), 1),
                Math.Round(Average(last, s => s.OpenHandles), 1),
                node.Max(s => s.OpenHandles),
                Math.Round(Average(first, s => s.Threads), 1),
                Math.Round(Average(last, s => s.Threads), 1),
                node.Max(s => s.Threads),
                Math.Round(end.RssKiB / 1024.0, 1),
                end.OpenHandles,
                end.Threads);
        })];

    private static double Average(List<ResourceSample> samples, Func<ResourceSample, double> value)
        => samples.Count == 0 ? double.NaN : samples.Average(value);
}
