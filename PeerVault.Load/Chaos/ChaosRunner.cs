using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace PeerVault.Load.Chaos;

/// <summary>What a run produced: the checker's report, where its files are, and the exit code.</summary>
internal sealed record ChaosOutcome(CheckReport Report, string OutputDirectory, string HistoryPath, string PicturePath, int ExitCode);

/// <summary>
/// A chaos run: the seed first; stale leftovers of killed runs removed; the network (namespaces, or
/// loopback in one line); the schedule drawn from the seed; the nodes started and seen by each
/// other; clients and the nemesis (or the restart driver) until the faults are over; a quiet tail;
/// convergence polled; the final round recorded; everything the run made removed; then the
/// history checked, summarised, drawn, and the exit code (0: no anomaly).
/// </summary>
internal static class ChaosRunner
{
    public const int NoAnomaly = 0;
    public const int Anomalies = 1;
    public const int CouldNotStart = 3;
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Tail = TimeSpan.FromSeconds(10);
    private static readonly SemaphoreSlim OneRunPerProcess = new(1, 1);

    public static async Task<ChaosOutcome> RunAsync(ChaosOptions options, TextWriter output, CancellationToken abort)
    {
        output = TextWriter.Synchronized(output);
        output.WriteLine($"chaos seed {options.Seed.ToString(CultureInfo.InvariantCulture)} (replay with --seed {options.Seed.ToString(CultureInfo.InvariantCulture)})");
        var outputDirectory = Path.GetFullPath(options.OutputPath);
        Directory.CreateDirectory(outputDirectory);
        var historyPath = Path.Combine(outputDirectory, "history.jsonl");

        await OneRunPerProcess.WaitAsync(abort);
        try
        {
            foreach (var line in await StaleCleanup.RunAsync(abort))
            {
                output.WriteLine($"removed a leftover of an earlier run: {line}");
            }

            var random = new Random(options.Seed);
            var network = await NetworkAsync(options, output, abort);
            var (kinds, skipped, clocks) = Kinds(options, network);
            var clockLibrary = NodeClock.Library();
            if (clocks.Count > 0 && clockLibrary is null)
            {
                await network.DisposeAsync();
                output.WriteLine($"the {options.Preset} preset needs libfaketime (apt-get install -y faketime)");
                return new ChaosOutcome(EmptyReport(), outputDirectory, historyPath, string.Empty, CouldNotStart);
            }

            var plan = options.Restarts > 0 ? [] : FaultSchedule.Build(random, kinds, options.Nodes, WarmUp.TotalMilliseconds, (WarmUp + options.FaultTime).TotalMilliseconds, options.AtOnce);
            output.WriteLine($"network: {network.Description}");
            output.WriteLine($"schedule: {plan.Count} faults of {(kinds.Count == 0 ? "no kind" : string.Join(", ", kinds.Order().Select(k => k.Name())))}{(skipped.Count == 0 ? string.Empty : $"; skipped: {string.Join("; ", skipped)}")}");
            foreach (var fault in plan)
            {
                output.WriteLine($"  {fault}");
            }

            var runId = random.Next().ToString("x8", CultureInfo.InvariantCulture);
            var interrupted = false;
            var history = (ChaosHistory?)null;
            var notes = new List<string>();
            var workDirectory = Path.Combine(Path.GetTempPath(), $"{StaleCleanup.WorkPrefix}{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}");
            ChaosCluster? cluster = null;
            try
            {
                cluster = await ChaosCluster.StartAsync(
                    network,
                    options.Nodes,
                    workDirectory,
                    Path.Combine(outputDirectory, "logs"),
                    options.NodeEnvironment,
                    kinds.Contains(FaultKind.DiskFull),
                    kinds.Any(k => k.NeedsFakeTime()) || clocks.Count > 0 ? clockLibrary : null,
                    clocks,
                    abort);
                using var api = new ChaosApi(cluster.ApiKey, runId);
                output.WriteLine($"nodes: {string.Join(", ", cluster.Members.Select(n => $"{n.Name} {n.Endpoint} (peers {n.Place.PeerAddress})"))}; logs in {cluster.LogDirectory}");
                if (!await cluster.WaitUntilAllSeeAllAsync(api, TimeSpan.FromSeconds(90), abort))
                {
                    output.WriteLine($"the nodes did not all come up and see each other within 90 s; logs in {cluster.LogDirectory}");
                    return new ChaosOutcome(EmptyReport(), outputDirectory, historyPath, string.Empty, CouldNotStart);
                }

                history = await RunWorkloadAsync(options, cluster, api, random, runId, plan, kinds, skipped, clocks, network.Description, historyPath, notes, output, abort);
            }
            catch (OperationCanceledException) when (abort.IsCancellationRequested)
            {
                interrupted = true;
                output.WriteLine("interrupted: removing what the run made, then checking the history so far");
            }
            finally
            {
                if (cluster is not null)
                {
                    await cluster.DisposeAsync();
                }
                else
                {
                    await network.DisposeAsync();
                }
            }

            history ??= File.Exists(historyPath) ? ChaosHistory.Load(historyPath) : null;
            if (history is null)
            {
                return new ChaosOutcome(EmptyReport(), outputDirectory, historyPath, string.Empty, CouldNotStart);
            }

            notes.AddRange(ClockRefusals(Path.Combine(outputDirectory, "logs")));
            var outcome = Report(history, outputDirectory, historyPath, notes, output);
            return interrupted ? outcome with { ExitCode = Anomalies } : outcome;
        }
        finally
        {
            OneRunPerProcess.Release();
        }
    }

    /// <summary>Checks a history, writes <c>summary.json</c>, <c>anomalies.txt</c> and <c>latency.svg</c> beside it, prints the summary.</summary>
    public static ChaosOutcome Report(ChaosHistory history, string outputDirectory, string historyPath, IReadOnlyList<string> notes, TextWriter output)
    {
        var report = HistoryChecker.Check(history);
        var picture = Path.Combine(outputDirectory, "latency.svg");
        LatencyPlot.Write(history, report, picture);
        File.WriteAllText(Path.Combine(outputDirectory, "summary.json"), JsonSerializer.Serialize(report, ChaosJsonContext.Default.CheckReport));
        File.WriteAllLines(Path.Combine(outputDirectory, "anomalies.txt"), report.Anomalies.Select(a => $"{a.Kind} {a.Key} at {a.AtMs / 1000:0.000} s: {a.Message}"));
        ChaosSummary.Print(output, history, report, notes, historyPath, picture);
        return new ChaosOutcome(report, outputDirectory, historyPath, picture, report.Passed ? NoAnomaly : Anomalies);
    }

    private static async Task<ChaosHistory> RunWorkloadAsync(
        ChaosOptions options,
        ChaosCluster cluster,
        ChaosApi api,
        Random random,
        string runId,
        IReadOnlyList<PlannedFault> plan,
        IReadOnlySet<FaultKind> kinds,
        IReadOnlyList<string> skipped,
        IReadOnlyDictionary<int, double> clocks,
        string networkDescription,
        string historyPath,
        List<string> notes,
        TextWriter output,
        CancellationToken abort)
    {
        var (replicas, writeQuorum) = await cluster.QuorumAsync(api, abort);
        var prefix = $"chaos/{runId}/";
        var smallKeys = Enumerable.Range(0, options.Keys).Select(i => $"{prefix}k{i.ToString("00", CultureInfo.InvariantCulture)}").ToList();
        var largeKeys = options.LargeMiB > 0 ? new List<string> { $"{prefix}big0", $"{prefix}big1" } : [];
        var run = new RunLine(
            options.Seed,
            options.Preset,
            networkDescription,
            [.. cluster.Members.Select(n => n.Name)],
            replicas,
            writeQuorum,
            prefix,
            [.. smallKeys, .. largeKeys],
            options.WeakenedTail.TotalMilliseconds,
            DateTimeOffset.UtcNow,
            [.. kinds.Order().Select(k => k.Name())],
            skipped);
        using var log = new HistoryLog(historyPath, run, Stopwatch.StartNew());
        var nemesis = new Nemesis(cluster, api, log, output);
        var permanent = new List<long>();
        foreach (var (number, seconds) in clocks)
        {
            var name = ChaosNode.NameOf(number);
            nemesis.BaseClock[name] = seconds;
            var kind = Math.Abs(seconds) >= 60 ? FaultKind.SkewLarge : FaultKind.SkewSmall;
            permanent.Add(log.FaultStarted(kind.Name(), [name], $"{name}'s clock {NodeClock.Describe(seconds)} for the whole run"));
        }

        var workload = new Workload(cluster, api, log, runId, prefix, smallKeys, largeKeys, options.Timeout, options.LargeMiB);
        var clients = Enumerable.Range(1, options.Clients).Select(i => new ChaosClient($"c{i}", new Random(random.Next()), workload, large: false)).ToList();
        if (largeKeys.Count > 0)
        {
            clients.Add(new ChaosClient("big", new Random(random.Next()), workload, large: true));
        }

        using var stopClients = new CancellationTokenSource();
        var running = clients.Select(c => Task.Run(() => c.RunAsync(stopClients.Token, abort), CancellationToken.None)).ToList();
        using var stopProgress = CancellationTokenSource.CreateLinkedTokenSource(abort);
        var progress = ProgressAsync(log, output, stopProgress.Token);
        output.WriteLine($"[{log.NowMs / 1000,6:0.0}s] {clients.Count} clients on {smallKeys.Count} small keys{(largeKeys.Count > 0 ? $" and {largeKeys.Count} large ones (2..{options.LargeMiB} MiB)" : string.Empty)} under {prefix}; R={replicas} W={writeQuorum}");

        if (options.Restarts > 0)
        {
            await Task.Delay(WarmUp, abort);
            var driver = new RestartDriver(cluster, workload, nemesis, api, new Random(random.Next()), output);
            await driver.RunAsync(options.Restarts, abort);
            await nemesis.RunAsync([], abort);
            if (driver.ReadyToWriteMs.Count > 0)
            {
                var sorted = driver.ReadyToWriteMs.Order().ToList();
                notes.Add(string.Create(CultureInfo.InvariantCulture, $"restarts: {sorted.Count}; readiness → write invoked: median {sorted[sorted.Count / 2]:0.0} ms, max {sorted[^1]:0.0} ms, {sorted.Count(ms => ms > 100)} over 100 ms"));
            }
        }
        else
        {
            await nemesis.RunAsync(plan, abort);
            var end = (WarmUp + options.FaultTime).TotalMilliseconds;
            if (log.NowMs < end)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(end - log.NowMs), abort);
            }
        }

        var lastHeal = Math.Max(nemesis.LastHealMs, log.Read(h => h.Faults.Where(f => f.HealMs is not null).Select(f => f.HealMs!.Value).DefaultIfEmpty(0).Max()));
        output.WriteLine($"[{log.NowMs / 1000,6:0.0}s] faults over (last healed at {lastHeal / 1000:0.0} s); the clients run {Tail.TotalSeconds:0} s more");
        await Task.Delay(Tail, abort);
        await stopClients.CancelAsync();
        await Task.WhenAll(running);
        await stopProgress.CancelAsync();
        await progress;

        output.WriteLine($"[{log.NowMs / 1000,6:0.0}s] clients stopped; polling until every node agrees (at most until {(lastHeal + options.ConvergenceDeadline.TotalMilliseconds) / 1000:0.0} s)");
        var agreed = await Convergence.WaitAsync(workload, api, lastHeal + options.ConvergenceDeadline.TotalMilliseconds, abort);
        notes.Add(Convergence.Describe(agreed, lastHeal));
        await Convergence.FinalRoundAsync(workload, abort);
        foreach (var fault in permanent)
        {
            log.FaultHealed(fault, "the run ended");
        }

        output.WriteLine($"[{log.NowMs / 1000,6:0.0}s] final round recorded; {notes[^1]}");
        return log.History;
    }

    /// <summary>A line every 15 s: operations so far by outcome, and the faults in force.</summary>
    private static async Task ProgressAsync(HistoryLog log, TextWriter output, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(15));
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                var (count, ok, indeterminate, failed, active) = log.Read(h => (
                    h.Operations.Count,
                    h.Operations.Count(o => o.Outcome == OpOutcome.Ok),
                    h.Operations.Count(o => o.Outcome == OpOutcome.Info),
                    h.Operations.Count(o => o.Outcome == OpOutcome.Fail),
                    string.Join("; ", h.Faults.Where(f => f.HealMs is null).Select(f => $"{f.Kind} {(f.IsPartition ? f.Detail : string.Join(",", f.Nodes))}"))));
                output.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"[{log.NowMs / 1000,6:0.0}s] {count} operations: {ok} ok, {indeterminate} indeterminate, {failed} failed; faults now: {(active.Length == 0 ? "none" : active)}"));
            }
        }
        catch (OperationCanceledException)
        {
            // The workload is over.
        }
    }

    private static async Task<ChaosNetwork> NetworkAsync(ChaosOptions options, TextWriter output, CancellationToken cancellationToken)
    {
        if (options.Loopback)
        {
            output.WriteLine("network namespaces not used (--loopback): running on loopback; faults that need them are skipped");
            return new LoopbackNetwork();
        }

        if (!Environment.IsPrivilegedProcess)
        {
            output.WriteLine("network namespaces unavailable (not root): running on loopback; faults that need them are skipped");
            return new LoopbackNetwork();
        }

        try
        {
            return await NamespaceNetwork.CreateAsync(cancellationToken);
        }
        catch (InvalidOperationException ex)
        {
            output.WriteLine($"network namespaces unavailable ({ex.Message.ReplaceLineEndings(" ")}): running on loopback; faults that need them are skipped");
            return new LoopbackNetwork();
        }
    }

    /// <summary>The kinds to draw from (preset or --faults) minus those this machine cannot do, why, and the clocks skewed for the whole run.</summary>
    private static (IReadOnlySet<FaultKind> Kinds, IReadOnlyList<string> Skipped, IReadOnlyDictionary<int, double> Clocks) Kinds(ChaosOptions options, ChaosNetwork network)
    {
        var wanted = options.Faults ?? options.Preset switch
        {
            "partition" => FaultKinds.Parse("partition"),
            "skew" or "skew-small" or "restarts" => FaultKinds.Parse("none"),
            _ => FaultKinds.Parse("all"),
        };
        var clocks = options.Preset switch
        {
            "skew" => new Dictionary<int, double> { [1] = 600, [2] = -600 },
            "skew-small" => new Dictionary<int, double> { [1] = 20, [2] = -20 },
            _ => [],
        };
        var library = NodeClock.Library();
        var kinds = new HashSet<FaultKind>();
        var skipped = new List<string>();
        foreach (var kind in wanted.Order())
        {
            var why = kind switch
            {
                _ when kind.NeedsNamespaces() && !network.CanPartition => "needs network namespaces",
                _ when kind.NeedsTmpfs() && !Environment.IsPrivilegedProcess => "needs root to mount a tmpfs",
                _ when kind.NeedsFakeTime() && library is null => "needs libfaketime (apt-get install -y faketime)",
                _ => null,
            };
            if (why is null)
            {
                kinds.Add(kind);
            }
            else
            {
                skipped.Add($"{kind.Name()} ({why})");
            }
        }

        return (kinds, skipped, clocks);
    }

    /// <summary>How often each node refused a version for being too far ahead of its clock, from its log.</summary>
    private static IEnumerable<string> ClockRefusals(string logDirectory)
    {
        if (!Directory.Exists(logDirectory))
        {
            yield break;
        }

        foreach (var file in Directory.EnumerateFiles(logDirectory, "*.log").Order(StringComparer.Ordinal))
        {
            var refusals = File.ReadLines(file).Count(l => l.Contains("ahead of this node's clock", StringComparison.Ordinal));
            if (refusals > 0)
            {
                yield return $"{Path.GetFileNameWithoutExtension(file)} logged {refusals} versions refused as too far ahead of its clock";
            }
        }
    }

    private static CheckReport EmptyReport() => new(new Dictionary<string, int>(), [], [], [], new Dictionary<string, int>(), false);
}
