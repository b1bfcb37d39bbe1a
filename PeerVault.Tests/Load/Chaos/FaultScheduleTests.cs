using PeerVault.Load.Chaos;

namespace PeerVault.Tests.Load.Chaos;

/// <summary>The schedule comes from the seed alone, uses only the kinds it is given, and fits its time.</summary>
[Trait("Category", "Unit")]
public sealed class FaultScheduleTests
{
    [Fact]
    public void The_same_seed_gives_the_same_schedule_and_another_seed_another()
    {
        var all = FaultKinds.Parse("all");
        var first = FaultSchedule.Build(new Random(42), all, 5, 10_000, 190_000, 3);
        var again = FaultSchedule.Build(new Random(42), all, 5, 10_000, 190_000, 3);
        var other = FaultSchedule.Build(new Random(43), all, 5, 10_000, 190_000, 3);

        Assert.Equal(first.Select(f => f.ToString()), again.Select(f => f.ToString()));
        Assert.NotEqual(first.Select(f => f.ToString()), other.Select(f => f.ToString()));
    }

    [Fact]
    public void Faults_are_of_the_kinds_given_within_the_fault_time_and_never_take_more_than_all_but_two_nodes_at_once()
    {
        for (var seed = 0; seed < 50; seed++)
        {
            var kinds = FaultKinds.Parse("process,partition,clock");
            var plan = FaultSchedule.Build(new Random(seed), kinds, 4, 10_000, 300_000, 3);

            Assert.NotEmpty(plan);
            Assert.All(plan, f => Assert.Contains(f.Kind, kinds));
            Assert.All(plan, f => Assert.InRange(f.AtMs, 10_000, 300_000));
            Assert.All(plan, f => Assert.True(f.HealMs <= 300_000, f.ToString()));
            foreach (var fault in plan.Where(f => !f.Kind.NeedsNamespaces()))
            {
                var overlapping = plan.Where(o => !o.Kind.NeedsNamespaces() && o.AtMs < fault.HealMs && fault.AtMs < o.HealMs).SelectMany(o => o.Nodes).Distinct().Count();
                Assert.True(overlapping <= 2, $"seed {seed}: {overlapping} nodes taken at once around {fault}");
            }
        }
    }

    [Fact]
    public void Membership_changes_keep_between_three_and_seven_members_and_never_target_a_removed_node()
    {
        for (var seed = 0; seed < 50; seed++)
        {
            var plan = FaultSchedule.Build(new Random(seed), FaultKinds.Parse("membership,process"), 3, 10_000, 600_000, 3);
            var members = new HashSet<string>(["node1", "node2", "node3"]);
            foreach (var fault in plan.OrderBy(f => f.AtMs))
            {
                Assert.All(fault.Nodes.Where(_ => fault.Kind != FaultKind.AddNode), n => Assert.Contains(n, members));
                if (fault.Kind == FaultKind.AddNode)
                {
                    members.Add(fault.Nodes[0]);
                }
                else if (fault.Kind == FaultKind.RemoveNode)
                {
                    members.Remove(fault.Nodes[0]);
                }

                Assert.InRange(members.Count, 3, 7);
            }
        }
    }

    [Fact]
    public void A_bridge_leaves_one_node_seeing_both_sides_and_a_split_cuts_every_pair_across()
    {
        var plan = Enumerable.Range(0, 40).SelectMany(seed => FaultSchedule.Build(new Random(seed), FaultKinds.Parse("split,bridge"), 5, 10_000, 200_000, 1)).ToList();

        foreach (var bridge in plan.Where(f => f.Kind == FaultKind.Bridge))
        {
            var cut = bridge.Blocked.SelectMany(p => new[] { p.A, p.B }).ToHashSet();
            Assert.Single(bridge.Nodes, n => !cut.Contains(n));
        }

        foreach (var split in plan.Where(f => f.Kind == FaultKind.Split))
        {
            var minority = split.Blocked.Select(p => p.A).Distinct().Count();
            var majority = split.Blocked.Select(p => p.B).Distinct().Count();
            Assert.Equal(minority * majority, split.Blocked.Count);
            Assert.Equal(5, minority + majority);
            Assert.True(minority <= majority);
        }
    }
}
