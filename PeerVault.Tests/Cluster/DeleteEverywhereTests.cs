using System.Net;
using PeerVault.Tests.AppHost;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Cluster;

/// <summary>
/// A DELETE through a node that never held the key (it was down during the PUT, or it is not one of
/// the key's replicas) still removes it everywhere: reads answer 404 through every node at once, and
/// every node's blob for it is gone once the sweep has run.
/// </summary>
[Collection(nameof(AppHostSerial))]
[Trait("Category", "Distributed")]
public sealed class DeleteEverywhereTests
{
    [Fact]
    public async Task A_delete_through_a_node_that_missed_the_put_or_is_not_in_the_placement_removes_the_key_from_every_node()
    {
        // R=3 on four nodes: each key has a node outside its placement. W=2, so a key placed on node2
        // is still acknowledged by its two other replicas (which also answer the write's version
        // question, a read quorum of R - W + 1 = 2) while node2 is down.
        await using var cluster = await ClusterApp.StartAsync(new ClusterAppOptions { Nodes = 4 });
        var deleted = new List<(Written Written, string DeletedThrough, string Why)>();

        // node2 is down while these keys are written; it stays placed, so those placed on it miss it.
        await cluster.StopAsync("node2");
        await cluster.WaitUntilSeesAsync("node1", ["node2"], Seen.Down);
        await cluster.WaitUntilSeesAsync("node3", ["node2"], Seen.Down);
        await cluster.WaitUntilSeesAsync("node4", ["node2"], Seen.Down);
        var missed = new List<Written>();
        for (var i = 0; i < 10; i++)
        {
            missed.Add(await cluster.Http("node1").StoreAsync("node1", $"missed/{i}", DemoFiles.RandomBytes(150 + i, seed: 700 + i)));
        }

        await cluster.StartAsync("node2");
        await cluster.WaitUntilSeesAsync("node2", ["node1", "node3", "node4"]);
        var node2 = cluster.Disk("node2");
        ClusterApp.Log($"node2 is back; anti-entropy has already brought it {missed.Count(w => node2.Holds(w.ObjectId))} of the {missed.Count} keys it missed");
        foreach (var written in missed)
        {
            var answer = await cluster.Http("node2").DeleteAsync("node2", written.Key);
            Assert.True(answer.Status == HttpStatusCode.OK, $"DELETE '{written.Key}' through node2, which was down when it was written, must find the live copies on the other nodes and answer 200: {answer}");
            deleted.Add((written, "node2", "down during the PUT"));
        }

        // Each of these is deleted through the one node outside its placement.
        for (var i = 0; i < 10; i++)
        {
            var written = await cluster.Http("node1").StoreAsync("node1", $"elsewhere/{i}", DemoFiles.RandomBytes(150 + i, seed: 800 + i));
            var placement = await cluster.Http("node1").PlacementAsync("node1", written.Key);
            Assert.True(placement.Count == 3 && placement.All(cluster.Nodes.Contains), $"With R=3, '{written.Key}' is placed on three of node1..node4: node1 says [{string.Join(", ", placement)}]");
            var outsider = cluster.Nodes.Single(n => !placement.Contains(n));
            var answer = await cluster.Http(outsider).DeleteAsync(outsider, written.Key);
            Assert.True(answer.Status == HttpStatusCode.OK, $"DELETE '{written.Key}' through {outsider}, outside its placement [{string.Join(", ", placement)}], must reach the replicas and answer 200: {answer}");
            deleted.Add((written, outsider, $"not in its placement [{string.Join(", ", placement)}]"));
        }

        // Read-your-delete: every node answers 404 straight away.
        var served = new List<string>();
        foreach (var (written, through, why) in deleted)
        {
            foreach (var node in cluster.Nodes)
            {
                var read = await cluster.Http(node).GetAsync(node, written.Key);
                if (read.Status != HttpStatusCode.NotFound)
                {
                    served.Add($"{read}, after DELETE through {through} ({why}) answered 200");
                }
            }
        }

        Assert.True(served.Count == 0, $"Deleted keys must read 404 through every node:\n{string.Join('\n', served)}");

        // And no node keeps the bytes: each replica's blob is removed (at the latest by the sweep).
        var disks = cluster.Nodes.Select(cluster.Disk).ToList();
        var leftovers = new List<string>();
        await Eventually.UntilAsync(
            () =>
            {
                leftovers = [.. from d in deleted from disk in disks where disk.Holds(d.Written.ObjectId) select $"{disk.Node} still holds the blob of '{d.Written.Key}' (object {d.Written.ObjectId[..12]}…, deleted through {d.DeletedThrough}, {d.Why})"];
                return leftovers.Count == 0;
            },
            () => $"no node holds a blob of a deleted key; left:\n{string.Join('\n', leftovers)}",
            TimeSpan.FromSeconds(60));
    }
}
