using System.Globalization;

namespace PeerVault.Load.Chaos;

/// <summary>
/// One fault of the schedule: what, when (ms since the run began), for how long, on which nodes.
/// A partition names the node pairs it cuts; a clock fault its offset in seconds.
/// </summary>
internal sealed record PlannedFault(int Id, FaultKind Kind, double AtMs, double DurationMs, IReadOnlyList<string> Nodes, IReadOnlyList<(string A, string B)> Blocked, double ClockSeconds, string Detail)
{
    public double HealMs => AtMs + DurationMs;

    public override string ToString()
        => string.Create(CultureInfo.InvariantCulture, $"{AtMs / 1000,6:0.0}s–{HealMs / 1000,6:0.0}s  {Kind.Name(),-12} {Detail}");
}

/// <summary>
/// Draws the schedule from the seed: groups of one to <c>atOnce</c> overlapping faults, each group
/// followed by a quiet period, until the fault time is used up. Membership is simulated as it goes
/// (a node added gets the next number, a removed one is never targeted again), so the names match
/// what the run will have. The same seed and arguments give the same schedule.
/// </summary>
internal static class FaultSchedule
{
    public static List<PlannedFault> Build(Random random, IReadOnlySet<FaultKind> kinds, int nodes, double fromMs, double toMs, int atOnce)
    {
        var plan = new List<PlannedFault>();
        if (kinds.Count == 0)
        {
            return plan;
        }

        var members = Enumerable.Range(1, nodes).Select(ChaosNode.NameOf).ToList();
        var next = nodes + 1;
        var time = fromMs;
        var ordered = kinds.Order().ToList();
        while (time < toMs)
        {
            var size = random.NextDouble() < 0.5 ? 1 : 1 + random.Next(atOnce);
            var busy = new HashSet<string>(StringComparer.Ordinal);
            var partitioned = false;
            var membershipChanged = false;
            var groupEnd = time;
            var added = new List<string>();
            var removed = new List<string>();
            for (var i = 0; i < size; i++)
            {
                // Each fault of a group: a kind that still fits (one partition and one membership change per group).
                var fitting = ordered.Where(k => Fits(k, members, busy, partitioned, membershipChanged)).ToList();
                if (fitting.Count == 0)
                {
                    break;
                }

                var kind = fitting[random.Next(fitting.Count)];
                var at = time + random.Next(0, 5000);
                var duration = Duration(kind, random);
                if (at + duration > toMs)
                {
                    continue;
                }

                var free = members.Where(m => !busy.Contains(m)).ToList();
                var target = free[random.Next(free.Count)];
                PlannedFault fault;
                switch (kind)
                {
                    case FaultKind.Isolate:
                    case FaultKind.Split:
                    case FaultKind.Bridge:
                        fault = Partition(plan.Count + 1, kind, at, duration, members, random);
                        partitioned = true;
                        break;
                    case FaultKind.AddNode:
                        var name = ChaosNode.NameOf(next++);
                        fault = new PlannedFault(plan.Count + 1, kind, at, duration, [name], [], 0, $"{name} joins");
                        added.Add(name);
                        busy.Add(name);
                        membershipChanged = true;
                        break;
                    case FaultKind.RemoveNode:
                        fault = new PlannedFault(plan.Count + 1, kind, at, duration, [target], [], 0, $"{target} removed for good");
                        removed.Add(target);
                        busy.Add(target);
                        membershipChanged = true;
                        break;
                    default:
                        var seconds = ClockSeconds(kind, random);
                        fault = new PlannedFault(plan.Count + 1, kind, at, duration, [target], [], seconds, Describe(kind, target, seconds, duration));
                        busy.Add(target);
                        membershipChanged |= kind.ChangesMembership();
                        break;
                }

                plan.Add(fault);
                groupEnd = Math.Max(groupEnd, fault.HealMs);
            }

            members.AddRange(added);
            members.RemoveAll(removed.Contains);
            time = Math.Max(groupEnd, time + 1000) + random.Next(10_000, 20_000);
        }

        return plan;
    }

    private static bool Fits(FaultKind kind, List<string> members, HashSet<string> busy, bool partitioned, bool membershipChanged)
    {
        var free = members.Count(m => !busy.Contains(m));
        return kind switch
        {
            FaultKind.Isolate or FaultKind.Split or FaultKind.Bridge => !partitioned && members.Count >= 3,
            FaultKind.AddNode => !membershipChanged && members.Count < 7,
            FaultKind.RemoveNode => !membershipChanged && members.Count > 3 && free > 0,
            FaultKind.WipeRestart => !membershipChanged && free > 0 && busy.Count < members.Count - 2,
            // At most all but two nodes down, paused or otherwise busy at once.
            _ => free > 0 && busy.Count < members.Count - 2,
        };
    }

    private static double Duration(FaultKind kind, Random random) => kind switch
    {
        FaultKind.Kill => random.Next(1_000, 15_000),
        FaultKind.Pause => random.Next(12_000, 30_000),
        FaultKind.Isolate or FaultKind.Split or FaultKind.Bridge => random.Next(10_000, 90_000),
        FaultKind.SkewSmall or FaultKind.SkewLarge => random.Next(20_000, 60_000),
        FaultKind.ClockBack => random.Next(10_000, 40_000),
        FaultKind.DiskFull => random.Next(10_000, 40_000),
        FaultKind.Wipe => 5_000,
        FaultKind.WipeRestart => random.Next(1_000, 10_000),
        FaultKind.AddNode => 15_000,
        FaultKind.RemoveNode => 5_000,
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static double ClockSeconds(FaultKind kind, Random random) => kind switch
    {
        FaultKind.SkewSmall => random.Next(2) == 0 ? 20 : -20,
        FaultKind.SkewLarge => random.Next(2) == 0 ? 600 : -600,
        FaultKind.ClockBack => -random.Next(5, 61),
        _ => 0,
    };

    private static string Describe(FaultKind kind, string node, double seconds, double duration) => kind switch
    {
        FaultKind.Kill => string.Create(CultureInfo.InvariantCulture, $"SIGKILL {node}, start it again on its data after {duration / 1000:0.0} s"),
        FaultKind.Pause => string.Create(CultureInfo.InvariantCulture, $"SIGSTOP {node} for {duration / 1000:0.0} s"),
        FaultKind.SkewSmall or FaultKind.SkewLarge => $"restart {node} with its clock {NodeClock.Describe(seconds)}, then restart it with the right clock",
        FaultKind.ClockBack => $"{node}'s clock steps back {Math.Abs(seconds):0} s while it runs, then forward again",
        FaultKind.DiskFull => $"fill {node}'s volume, then free it",
        FaultKind.Wipe => $"rm -rf {node}'s data directory while it runs",
        FaultKind.WipeRestart => $"SIGKILL {node}, rm -rf its data directory, start it empty",
        _ => node,
    };

    private static PlannedFault Partition(int id, FaultKind kind, double at, double duration, List<string> members, Random random)
    {
        var shuffled = members.OrderBy(_ => random.Next()).ToList();
        List<(string, string)> blocked;
        string detail;
        switch (kind)
        {
            case FaultKind.Isolate:
                blocked = [.. shuffled.Skip(1).Select(m => (shuffled[0], m))];
                detail = $"{shuffled[0]} cut off from every other node";
                break;
            case FaultKind.Split:
                var minority = shuffled.Take(1 + random.Next(members.Count / 2)).ToList();
                var rest = shuffled.Except(minority).ToList();
                blocked = [.. minority.SelectMany(a => rest.Select(b => (a, b)))];
                detail = $"{{{string.Join(",", minority.Order(StringComparer.Ordinal))}}} | {{{string.Join(",", rest.Order(StringComparer.Ordinal))}}}";
                break;
            default:
                var bridge = shuffled[0];
                var others = shuffled.Skip(1).ToList();
                var left = others.Take(others.Count / 2).ToList();
                var right = others.Skip(others.Count / 2).ToList();
                blocked = [.. left.SelectMany(a => right.Select(b => (a, b)))];
                detail = $"{{{string.Join(",", left.Order(StringComparer.Ordinal))}}} | {{{string.Join(",", right.Order(StringComparer.Ordinal))}}}, {bridge} sees both";
                break;
        }

        return new PlannedFault(id, kind, at, duration, [.. shuffled.Order(StringComparer.Ordinal)], blocked, 0, detail);
    }
}
