using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace PeerVault.Load;

/// <summary>
/// The soak: (a local cluster if no endpoints are given,) N clients for the duration, one node
/// restarted in the middle, resources sampled every five seconds, then the final check, the
/// summary and the JSON result. Returns the exit code: 0 only if nothing unexpected happened.
/// </summary>
internal static class SoakRunner
{
    private static readonly TimeSpan SampleEvery = TimeSpan.FromSeconds(5);

    public static async Task<int> RunAsync(SoakOptions options)
    {
        using var abort = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            abort.Cancel();
        };

        var runId = Guid.NewGuid().ToString("N")[..8];
        var workDirectory = options.WorkDirectory ?? Path.Combine(Path.GetTempPath(), $"peervault-soak-{runId}");
        using var cluster = options.Local ? LocalCluster.Start(workDirectory, options.NodeEnvironment) : null;
        var endpoints = cluster?.Nodes.Select(n => n.Endpoint).ToList() ?? [.. options.Endpoints];
        using var api = new NodeApi(cluster?.ApiKey ?? options.ApiKey!);
        if (cluster is not null)
        {
            Console.WriteLine($"local cluster in {workDirectory}: {string.Join(", ", cluster.Nodes.Select(n => $"{n.Name} {n.Endpoint} (peer port {n.PeerPort})"))}");
        }

        if (!await api.WaitUntilAllSeeAllAsync(endpoints, TimeSpan.FromSeconds(90), abort.Token))
        {
            Console.Error.WriteLine($"the nodes did not all come up and see each other within 90 s{(cluster is null ? string.Empty : $"; logs in {workDirectory}")}");
            return 1;
        }

        var description = await api.DescribeAsync(endpoints[0], abort.Token);
        var node = description!.Node;
        var writeQuorum = node.WriteQuorum;
        Console.WriteLine($"soak {runId}: {options.Clients} clients × {options.KeysPerClient} keys for {options.Duration}, seed {options.Seed}, against {string.Join(", ", endpoints)} (R={node.Replicas}, W={writeQuorum})");

        var stats = new SoakStats();
        var window = new RestartWindow(grace: TimeSpan.FromSeconds(5));
        var context = new SoakContext(endpoints, api, stats, window, writeQuorum, $"soak/{runId}/");
        var clients = Enumerable.Range(0, options.Clients).Select(i => new SoakClient(i, options.KeysPerClient, options.Seed, context)).ToList();
        var sampler = new ResourceSampler();
        var restart = new RestartTimes();
        var clock = Stopwatch.StartNew();
        var startedAt = DateTimeOffset.UtcNow;

        using var stopping = new CancellationTokenSource(options.Duration);
        var running = clients.Select(c => Task.Run(() => c.RunAsync(stopping.Token, abort.Token), abort.Token)).ToList();
        var restarting = RestartInTheMiddleAsync(options, cluster, api, endpoints, window, restart, clock, abort.Token);
        await MonitorAsync(options, cluster, stats, sampler, clock, stopping.Token);
        await Task.WhenAll(running);
        await restarting;
        var elapsed = clock.Elapsed;
        Console.WriteLine($"workload ended after {elapsed.TotalSeconds:0} s; settling and verifying every key through every node");

        if (!await api.WaitUntilAllSeeAllAsync(endpoints, TimeSpan.FromSeconds(90), abort.Token))
        {
            stats.VerificationFailed("cluster did not settle", "not every node saw every other alive within 90 s after the workload");
        }

        foreach (var endpoint in endpoints)
        {
            Console.WriteLine($"anti-entropy through {endpoint}: {await api.SyncAsync(endpoint, abort.Token)}");
        }

        var verification = await FinalCheck.RunAsync(context, clients, cluster, abort.Token);
        if (options.Idle > TimeSpan.Zero)
        {
            // Threads the load made the pool inject retire, and memory a collection can free is freed, once nothing runs.
            Console.WriteLine($"sampling the idle nodes for {options.Idle.TotalSeconds:0} s");
            using var idle = new CancellationTokenSource(options.Idle);
            await MonitorAsync(options, cluster, stats, sampler, clock, idle.Token);
        }

        Sample(cluster, options, sampler, clock);
        var result = SoakReport.Build(options, startedAt, elapsed, endpoints, writeQuorum, restart, stats, verification, sampler.Samples);
        SoakReport.Print(result);
        await File.WriteAllTextAsync(options.ResultPath, JsonSerializer.Serialize(result, SoakJsonContext.Default.SoakResult), abort.Token);
        Console.WriteLine($"result written to {Path.GetFullPath(options.ResultPath)}");
        if (cluster is not null)
        {
            cluster.Dispose();
            if (result.Passed && options.WorkDirectory is null)
            {
                Console.WriteLine($"removing {workDirectory}");
                Directory.Delete(workDirectory, recursive: true);
            }
            else
            {
                Console.WriteLine($"node data and logs kept in {workDirectory}");
            }
        }

        return result.Passed ? 0 : 1;
    }

    /// <summary>Every five seconds: resources of each node process and a progress line.</summary>
    private static async Task MonitorAsync(SoakOptions options, LocalCluster? cluster, SoakStats stats, ResourceSampler sampler, Stopwatch clock, CancellationToken stopping)
    {
        long lastOperations = 0;
        var lastTime = TimeSpan.Zero;
        using var timer = new PeriodicTimer(SampleEvery);
        Sample(cluster, options, sampler, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping))
            {
                var samples = Sample(cluster, options, sampler, clock);
                var operations = stats.Operations;
                var now = clock.Elapsed;
                var rate = (operations - lastOperations) / (now - lastTime).TotalSeconds;
                (lastOperations, lastTime) = (operations, now);
                var resources = string.Join("  ", samples.Select(s => $"{s.Node} {s.RssKiB / 1024.0:0}MiB/{s.OpenHandles}fd/{s.Threads}thr"));
                Console.WriteLine(
                    $"[{now.TotalSeconds,4:0}s] {operations,7} ops ({rate,5:0}/s)  put {stats.Succeeded(OperationKind.Put)} get {stats.Succeeded(OperationKind.Get)} del {stats.Succeeded(OperationKind.Delete)}  " +
                    $"errors expected {stats.TotalExpected} unexpected {stats.TotalUnexpected}  {resources}");
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The duration is over.
        }
    }

    private static IReadOnlyList<ResourceSample> Sample(LocalCluster? cluster, SoakOptions options, ResourceSampler sampler, Stopwatch clock)
    {
        var processes = cluster is not null
            ? cluster.Nodes.Select(n => (n.Name, n.Pid))
            : options.Pids.Select((pid, i) => ($"node{i + 1}", (int?)pid));
        return sampler.Sample(Math.Round(clock.Elapsed.TotalSeconds, 1), processes);
    }

    /// <summary>Halfway through: the local cluster's chosen node is signalled, kept down a while and started again; or the restart command runs.</summary>
    private static async Task RestartInTheMiddleAsync(SoakOptions options, LocalCluster? cluster, NodeApi api, IReadOnlyList<Uri> endpoints, RestartWindow window, RestartTimes times, Stopwatch clock, CancellationToken cancellationToken)
    {
        if (cluster is null ? options.RestartCommand is null : options.Restart == RestartMode.None)
        {
            return;
        }

        await Task.Delay(options.Duration / 2, cancellationToken);
        if (cluster is not null)
        {
            var node = cluster.Nodes[options.RestartNode - 1];
            window.Open(options.RestartNode - 1);
            times.Node = node.Name;
            var pid = node.Pid;
            await node.StopAsync(options.Restart, cancellationToken);
            times.Stopped = clock.Elapsed;
            Console.WriteLine($"[{clock.Elapsed.TotalSeconds,4:0}s] RESTART {node.Name}: pid {pid} ended by SIG{(options.Restart == RestartMode.Kill ? "KILL" : "TERM")}; starting it again in {options.DownFor.TotalSeconds:0} s");
            await Task.Delay(options.DownFor, cancellationToken);
            node.Start();
            times.Started = clock.Elapsed;
        }
        else
        {
            window.Open(null);
            times.Node = "(restart command)";
            Console.WriteLine($"[{clock.Elapsed.TotalSeconds,4:0}s] RESTART: running {options.RestartCommand}");
            times.Stopped = clock.Elapsed;
            using var command = Process.Start("/bin/sh", ["-c", options.RestartCommand!]);
            await command.WaitForExitAsync(cancellationToken);
            times.Started = clock.Elapsed;
            Console.WriteLine($"[{clock.Elapsed.TotalSeconds,4:0}s] RESTART: the command exited with {command.ExitCode.ToString(CultureInfo.InvariantCulture)}");
        }

        var back = await api.WaitUntilAllSeeAllAsync(endpoints, TimeSpan.FromSeconds(120), cancellationToken);
        times.Serving = clock.Elapsed;
        window.Close();
        Console.WriteLine(back
            ? $"[{clock.Elapsed.TotalSeconds,4:0}s] RESTART: every node sees every other alive again ({(times.Serving - times.Stopped)?.TotalSeconds:0.0} s after it went down); the restart window closes in {window.Grace.TotalSeconds:0} s"
            : $"[{clock.Elapsed.TotalSeconds,4:0}s] RESTART: the nodes do not all see each other after 120 s");
    }
}
