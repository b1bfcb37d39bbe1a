using PeerVault.Tests.AppHost;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Cluster.Placement;

/// <summary>
/// Five nodes with R=3: each key lives on exactly the three nodes its placement names, and a
/// sixth node joining takes over only the keys whose placement now names it; nothing else moves.
/// </summary>
[Collection(nameof(AppHostSerial))]
[Trait("Category", "Distributed")]
public sealed class PlacementTests
{
    private static readonly string[] FirstFive = ["node1", "node2", "node3", "node4", "node5"];

    [Fact]
    public async Task Each_of_200_keys_lands_on_exactly_its_placed_replicas_and_a_sixth_node_moves_only_the_keys_whose_placement_changed()
    {
        await using var cluster = await ClusterApp.StartAsync(new ClusterAppOptions
        {
            Nodes = 5,
            LateNodes = new Dictionary<string, IReadOnlyList<string>> { ["node6"] = FirstFive },
        }.With("PEERVAULT_REPLICAS", "3"));

        var written = new List<Written>();
        for (var i = 0; i < 200; i++)
        {
            var through = FirstFive[i % 5];
            written.Add(await cluster.Http(through).StoreAsync(through, $"placed/{i:D3}", DemoFiles.RandomBytes(64 + i, seed: 3000 + i)));
        }

        var before = await PlacementsAsync(cluster, written, FirstFive, asked: ["node1", "node5"]);
        var firstFive = FirstFive.Select(cluster.Disk).ToList();
        await WaitUntilHeldExactlyAsync(written, before, firstFive, "on five nodes");
        var filesBefore = BlobFiles(written, firstFive);

        await cluster.StartAsync("node6");
        string[] all = [.. FirstFive, "node6"];
        foreach (var node in all)
        {
            await cluster.WaitUntilSeesAsync(node, all.Where(n => n != node));
        }

        var after = await PlacementsAsync(cluster, written, all, asked: ["node1", "node6"]);

        // Rendezvous hashing: a new member can only take one place in a key's top three, from the lowest-ranked.
        var changed = new List<string>();
        foreach (var w in written)
        {
            var (was, now) = (before[w.Key], after[w.Key]);
            if (was.SetEquals(now))
            {
                continue;
            }

            Assert.True(now.Contains("node6") && now.Except(was).Count() == 1 && was.Except(now).Count() == 1, $"Adding node6 may only swap node6 into '{w.Key}''s placement; it went from [{string.Join(", ", was.Order())}] to [{string.Join(", ", now.Order())}]");
            changed.Add(w.Key);
        }

        Assert.True(changed.Count > 0, "With R=3 of six nodes, node6 belongs in the placement of some of 200 keys");
        var six = all.Select(cluster.Disk).ToList();
        var moved = await WaitUntilHeldExactlyAsync(written, after, six, "after node6 joined");
        ClusterApp.Log($"node6 joined: {changed.Count} of {written.Count} keys now placed on it; the cluster matched the new placement {moved.TotalSeconds:0.0} s after all six saw each other");

        // Nothing moved that did not have to: a blob that stayed placed on a node is the very file it had before.
        var rewritten = new List<string>();
        foreach (var w in written)
        {
            foreach (var disk in firstFive.Where(d => before[w.Key].Contains(d.Node) && after[w.Key].Contains(d.Node)))
            {
                if (disk.WrittenAt(w.ObjectId) != filesBefore[(disk.Node, w.Key)])
                {
                    rewritten.Add($"{disk.Node}: '{w.Key}' (placement {(changed.Contains(w.Key) ? "changed" : "unchanged")}) was written again at {disk.WrittenAt(w.ObjectId):HH:mm:ss.fff}, first at {filesBefore[(disk.Node, w.Key)]:HH:mm:ss.fff}");
                }
            }
        }

        Assert.True(rewritten.Count == 0, $"A key stays where its placement kept it; these copies were moved or copied again:\n{string.Join('\n', rewritten.Take(20))}");
    }

    /// <summary>Each key's placement, as every node in <paramref name="asked"/> computes it (they must agree), checked to be R=3 members.</summary>
    private static async Task<Dictionary<string, HashSet<string>>> PlacementsAsync(ClusterApp cluster, List<Written> written, string[] members, string[] asked)
    {
        var placements = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var w in written)
        {
            HashSet<string>? first = null;
            foreach (var node in asked)
            {
                var placement = await cluster.Http(node).PlacementAsync(node, w.Key);
                Assert.True(placement.Count == 3 && placement.Distinct().Count() == 3 && placement.All(members.Contains), $"'{w.Key}' is placed on three distinct members of {string.Join(", ", members)}: {node} says [{string.Join(", ", placement)}]");
                if (first is null)
                {
                    first = [.. placement];
                }
                else
                {
                    Assert.True(first.SetEquals(placement), $"Nodes agree on where '{w.Key}' goes: {asked[0]} says [{string.Join(", ", first.Order())}], {node} says [{string.Join(", ", placement.Order())}]");
                }
            }

            placements[w.Key] = first!;
        }

        return placements;
    }

    /// <summary>Waits until each key's blob is on exactly its placed nodes' disks (and on none of the others).</summary>
    private static Task<TimeSpan> WaitUntilHeldExactlyAsync(List<Written> written, Dictionary<string, HashSet<string>> placements, List<NodeDisk> disks, string when)
    {
        var wrong = new List<string>();
        return Eventually.UntilAsync(
            () =>
            {
                var blobs = disks.ToDictionary(d => d.Node, d => d.Blobs());
                wrong = [.. from w in written
                            let holders = disks.Where(d => blobs[d.Node].Contains(w.ObjectId)).Select(d => d.Node).ToHashSet()
                            where !holders.SetEquals(placements[w.Key])
                            select $"'{w.Key}': placed on [{string.Join(", ", placements[w.Key].Order())}], held by [{string.Join(", ", holders.Order())}]"];
                return wrong.Count == 0;
            },
            () => $"every key is held by exactly its placed replicas {when}; {wrong.Count} of {written.Count} are not, e.g.:\n{string.Join('\n', wrong.Take(10))}",
            TimeSpan.FromSeconds(60));
    }

    private static Dictionary<(string Node, string Key), DateTime?> BlobFiles(List<Written> written, List<NodeDisk> disks)
        => (from w in written from d in disks select (Key: (d.Node, w.Key), At: d.WrittenAt(w.ObjectId))).ToDictionary(x => x.Key, x => x.At);
}
