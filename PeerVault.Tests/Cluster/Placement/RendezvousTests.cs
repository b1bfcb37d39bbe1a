using PeerVault.Node.Cluster.Placement;
using PeerVault.Node.Storage;

namespace PeerVault.Tests.Cluster.Placement;

[Trait("Category", "Unit")]
public sealed class RendezvousTests
{
    private static readonly string[] Keys = [.. Enumerable.Range(0, 100_000).Select(i => $"user/{i:x6}/photo-{i % 97}.jpg")];

    private static List<Guid> Nodes(int count, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ =>
        {
            var bytes = new byte[16];
            random.NextBytes(bytes);
            return new Guid(bytes);
        })];
    }

    private static Dictionary<string, Guid[]> Place(List<Guid> nodes, int replicas)
    {
        var seeds = nodes.Select(Rendezvous.SeedOf).ToList();
        var byPartition = Enumerable.Range(0, KeyPartition.Count).Select(p => Rendezvous.Top(p, seeds, replicas).Select(i => nodes[i]).ToArray()).ToArray();
        return Keys.ToDictionary(k => k, k => byPartition[KeyPartition.Of(k)]);
    }

    [Theory]
    [InlineData(3, 3)]
    [InlineData(5, 3)]
    [InlineData(8, 3)]
    [InlineData(10, 3)]
    [InlineData(6, 2)]
    public void Replicas_of_100k_keys_spread_within_ten_percent_of_even(int nodeCount, int replicas)
    {
        var nodes = Nodes(nodeCount, seed: nodeCount * 31 + replicas);
        var placement = Place(nodes, replicas);

        var even = Keys.Length * replicas / (double)nodeCount;
        foreach (var node in nodes)
        {
            var held = placement.Values.Count(p => p.Contains(node));
            Assert.InRange(held, even * 0.9, even * 1.1);
        }

        Assert.All(placement.Values, p => Assert.Equal(replicas, p.Distinct().Count()));
    }

    [Fact]
    public void A_joining_node_takes_only_keys_it_now_holds_and_about_r_over_n_plus_one_of_them()
    {
        var before = Nodes(5, seed: 1);
        var newcomer = Nodes(1, seed: 2)[0];
        var oldPlacement = Place(before, 3);
        var newPlacement = Place([.. before, newcomer], 3);

        var moved = Keys.Where(k => !oldPlacement[k].Order().SequenceEqual(newPlacement[k].Order())).ToList();
        Assert.All(moved, k =>
        {
            // Exactly one replica changed, and it changed to the newcomer.
            Assert.Contains(newcomer, newPlacement[k]);
            Assert.Equal(2, oldPlacement[k].Intersect(newPlacement[k]).Count());
        });
        Assert.All(Keys.Except(moved), k => Assert.DoesNotContain(newcomer, newPlacement[k]));
        Assert.InRange(moved.Count / (double)Keys.Length, 3.0 / 6 * 0.9, 3.0 / 6 * 1.1);
    }

    [Fact]
    public void A_leaving_node_moves_only_the_keys_it_held_each_to_one_new_replica()
    {
        var nodes = Nodes(6, seed: 3);
        var leaving = nodes[2];
        var oldPlacement = Place(nodes, 3);
        var newPlacement = Place([.. nodes.Where(n => n != leaving)], 3);

        foreach (var key in Keys)
        {
            if (oldPlacement[key].Contains(leaving))
            {
                Assert.Equal(2, oldPlacement[key].Intersect(newPlacement[key]).Count());
            }
            else
            {
                Assert.Equal(oldPlacement[key].Order(), newPlacement[key].Order());
            }
        }
    }

    [Fact]
    public void Every_node_computes_the_same_order_whatever_order_it_lists_the_members_in()
    {
        var nodes = Nodes(7, seed: 4);
        var shuffled = nodes.AsEnumerable().Reverse().ToList();
        for (var partition = 0; partition < KeyPartition.Count; partition += 17)
        {
            var a = Rendezvous.Top(partition, nodes.Select(Rendezvous.SeedOf).ToList(), 3).Select(i => nodes[i]);
            var b = Rendezvous.Top(partition, shuffled.Select(Rendezvous.SeedOf).ToList(), 3).Select(i => shuffled[i]);
            Assert.Equal(a, b);
        }
    }
}
