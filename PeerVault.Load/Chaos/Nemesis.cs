using System.Globalization;

namespace PeerVault.Load.Chaos;

/// <summary>
/// Carries out the schedule against the cluster: each fault starts at its time and heals at its
/// time, many at once; every start and heal goes into the history and on one console line. A node
/// restarted by a fault is watched until it answers again; if it comes back under another id (its
/// data directory went away), that is recorded as a membership change too.
/// </summary>
internal sealed class Nemesis(ChaosCluster cluster, ChaosApi api, HistoryLog log, TextWriter output)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<int, IReadOnlyList<(string A, string B)>> _partitions = [];
    private readonly List<Task> _watches = [];
    private double _lastHealMs;

    /// <summary>Each node's clock offset when no clock fault is on it (a preset's skew for the whole run).</summary>
    public Dictionary<string, double> BaseClock { get; } = new(StringComparer.Ordinal);

    public double LastHealMs
    {
        get
        {
            lock (_lock)
            {
                return _lastHealMs;
            }
        }
    }

    public async Task RunAsync(IReadOnlyList<PlannedFault> plan, CancellationToken cancellationToken)
    {
        await Task.WhenAll(plan.Select(f => RunOneAsync(f, cancellationToken)));
        Task[] watches;
        lock (_lock)
        {
            watches = [.. _watches];
        }

        await Task.WhenAll(watches);
    }

    /// <summary>After a node is started: learn its id once it answers, and record a new one as a membership change.</summary>
    public void WatchIdentity(ChaosNode node, CancellationToken cancellationToken)
    {
        var watch = Task.Run(
            async () =>
            {
                var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
                while (DateTime.UtcNow < deadline && !cancellationToken.IsCancellationRequested && node.State == NodeState.Up)
                {
                    if (await api.DescribeAsync(node.Endpoint, TimeSpan.FromSeconds(2), cancellationToken) is { } description)
                    {
                        var id = ChaosCluster.IdOf(description);
                        if (node.Id is { } before && id != before)
                        {
                            var fault = log.FaultStarted(FaultWindow.NewIdKind, [node.Name], $"{node.Name} came back under a new id {id?[..8]} (was {before[..8]})");
                            Say($"NOTE  {node.Name} came back under a new id {id?[..8]} (was {before[..8]}): a membership change");
                            log.FaultHealed(fault, "recorded");
                        }

                        node.Id = id;
                        return;
                    }

                    await Task.Delay(250, cancellationToken);
                }
            },
            CancellationToken.None);
        lock (_lock)
        {
            _watches.Add(watch.ContinueWith(_ => { }, TaskScheduler.Default));
        }
    }

    private async Task RunOneAsync(PlannedFault fault, CancellationToken cancellationToken)
    {
        await DelayUntilAsync(fault.AtMs, cancellationToken);
        var members = cluster.Members.Select(m => m.Name).ToList();
        var id = log.FaultStarted(fault.Kind.Name(), fault.Nodes, fault.Detail, fault.Blocked.Count == 0 ? null : [.. fault.Blocked.Select(p => (IReadOnlyList<string>)[p.A, p.B])], members);
        Say($"START {fault.Kind.Name()}: {fault.Detail}");
        string healed;
        try
        {
            await StartAsync(fault, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Say($"      {fault.Kind.Name()} could not start fully: {ex.Message}");
        }

        try
        {
            await DelayUntilAsync(fault.HealMs, cancellationToken);
            healed = await HealAsync(fault, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            healed = $"heal failed: {ex.Message}";
        }

        log.FaultHealed(id, healed);
        lock (_lock)
        {
            _lastHealMs = Math.Max(_lastHealMs, log.NowMs);
        }

        Say($"HEAL  {fault.Kind.Name()}: {healed}");
    }

    private async Task StartAsync(PlannedFault fault, CancellationToken cancellationToken)
    {
        var node = fault.Kind is FaultKind.AddNode or FaultKind.Isolate or FaultKind.Split or FaultKind.Bridge ? null : cluster.Node(fault.Nodes[0]);
        switch (fault.Kind)
        {
            case FaultKind.Kill:
                await ChaosCluster.KillAsync(node!, cancellationToken);
                break;
            case FaultKind.Pause:
                await ChaosCluster.PauseAsync(node!, cancellationToken);
                break;
            case FaultKind.Isolate or FaultKind.Split or FaultKind.Bridge:
                lock (_lock)
                {
                    _partitions[fault.Id] = fault.Blocked;
                }

                await ApplyPartitionsAsync(cancellationToken);
                break;
            case FaultKind.SkewSmall or FaultKind.SkewLarge:
                await RestartWithClockAsync(node!, Base(node!) + fault.ClockSeconds, cancellationToken);
                break;
            case FaultKind.ClockBack:
                NodeClock.Set(node!.ClockFile!, Base(node) + fault.ClockSeconds);
                break;
            case FaultKind.DiskFull:
                var free = await Task.Run(() => DiskFiller.Fill(node!.DiskMount!), cancellationToken);
                Say(string.Create(CultureInfo.InvariantCulture, $"      {node!.Name}'s volume filled ({free / 1048576.0:0.0} MiB were free)"));
                break;
            case FaultKind.Wipe:
                ChaosCluster.Wipe(node!);
                break;
            case FaultKind.WipeRestart:
                await ChaosCluster.KillAsync(node!, cancellationToken);
                ChaosCluster.Wipe(node!);
                break;
            case FaultKind.AddNode:
                var added = await cluster.AddNodeAsync(cancellationToken);
                if (added.Name != fault.Nodes[0])
                {
                    Say($"      the new node is {added.Name}, where the schedule expected {fault.Nodes[0]}");
                }

                WatchIdentity(added, cancellationToken);
                break;
            case FaultKind.RemoveNode:
                await RemoveAsync(node!, cancellationToken);
                break;
        }
    }

    private async Task<string> HealAsync(PlannedFault fault, CancellationToken cancellationToken)
    {
        var node = fault.Kind is FaultKind.AddNode or FaultKind.Isolate or FaultKind.Split or FaultKind.Bridge ? null : cluster.Node(fault.Nodes[0]);
        switch (fault.Kind)
        {
            case FaultKind.Kill or FaultKind.WipeRestart:
                cluster.Start(node!);
                WatchIdentity(node!, cancellationToken);
                return $"{node!.Name} started again (pid {node.Process.Pid})";
            case FaultKind.Pause:
                await ChaosCluster.ResumeAsync(node!, cancellationToken);
                return $"SIGCONT {node!.Name}";
            case FaultKind.Isolate or FaultKind.Split or FaultKind.Bridge:
                lock (_lock)
                {
                    _partitions.Remove(fault.Id);
                }

                await ApplyPartitionsAsync(cancellationToken);
                return "links restored";
            case FaultKind.SkewSmall or FaultKind.SkewLarge:
                await RestartWithClockAsync(node!, Base(node!), cancellationToken);
                return $"{node!.Name} restarted with its clock {NodeClock.Describe(Base(node))}";
            case FaultKind.ClockBack:
                NodeClock.Set(node!.ClockFile!, Base(node));
                return $"{node.Name}'s clock back to {NodeClock.Describe(Base(node))}";
            case FaultKind.DiskFull:
                DiskFiller.Free(node!.DiskMount!);
                return $"{node.Name}'s volume freed";
            case FaultKind.Wipe:
                return $"{node!.Name} left to recreate its data directory";
            case FaultKind.AddNode:
                var added = cluster.Node(fault.Nodes[0]);
                var seen = await cluster.WaitUntilAllSeeAllAsync(api, TimeSpan.FromSeconds(60), cancellationToken);
                return seen ? $"{added.Name} is a member every node sees" : $"{added.Name} is not seen by every node after 60 s";
            case FaultKind.RemoveNode:
                return $"{node!.Name} is gone";
            default:
                return "healed";
        }
    }

    private double Base(ChaosNode node) => BaseClock.TryGetValue(node.Name, out var seconds) ? seconds : 0;

    private async Task RestartWithClockAsync(ChaosNode node, double seconds, CancellationToken cancellationToken)
    {
        await ChaosCluster.StopAsync(node, cancellationToken);
        NodeClock.Set(node.ClockFile!, seconds);
        cluster.Start(node);
        WatchIdentity(node, cancellationToken);
    }

    /// <summary>The operator's way: <c>DELETE /v1/cluster/members/{id}</c> through another member, then the process stops for good.</summary>
    private async Task RemoveAsync(ChaosNode node, CancellationToken cancellationToken)
    {
        if (node.Id is null && await api.DescribeAsync(node.Endpoint, TimeSpan.FromSeconds(3), cancellationToken) is { } description)
        {
            node.Id = ChaosCluster.IdOf(description);
        }

        // Clients stop choosing it from now on.
        node.Leaving = true;
        int? status = null;
        foreach (var other in cluster.Members.Where(m => m != node && m.State == NodeState.Up))
        {
            status = await api.RemoveMemberAsync(other.Endpoint, node.Id ?? "unknown", TimeSpan.FromSeconds(5), cancellationToken);
            if (status == 204)
            {
                Say($"      DELETE /v1/cluster/members/{node.Id?[..8]} through {other.Name}: 204");
                break;
            }
        }

        if (status != 204)
        {
            Say($"      no member took {node.Name} out (last answer {status?.ToString(CultureInfo.InvariantCulture) ?? "none"}); stopping it anyway");
        }

        await cluster.RetireAsync(node, cancellationToken);
    }

    private Task ApplyPartitionsAsync(CancellationToken cancellationToken)
    {
        List<(int, int)> pairs;
        lock (_lock)
        {
            pairs = [.. _partitions.Values.SelectMany(p => p).Select(p => (Number(p.A), Number(p.B))).Distinct()];
        }

        return cluster.Network.SetBlockedAsync(pairs, cancellationToken);
    }

    private static int Number(string name) => int.Parse(name.AsSpan(4), CultureInfo.InvariantCulture);

    private Task DelayUntilAsync(double ms, CancellationToken cancellationToken)
    {
        var wait = ms - log.NowMs;
        return wait > 0 ? Task.Delay(TimeSpan.FromMilliseconds(wait), cancellationToken) : Task.CompletedTask;
    }

    private void Say(string text) => output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{log.NowMs / 1000,6:0.0}s] {text}"));
}
