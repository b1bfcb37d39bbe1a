using System.Net;
using PeerVault.Tests.AppHost;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Cluster.Repair;

/// <summary>
/// Writes a node missed while it was down: once back it must not serve what it still has on disk
/// when the cluster has something newer (an overwrite, a delete), and neither must a new node that
/// joins through it.
/// </summary>
[Collection(nameof(AppHostSerial))]
[Trait("Category", "Distributed")]
public sealed class MissedUpdateTests
{
    [Fact]
    public async Task Keys_deleted_and_overwritten_while_a_node_was_down_read_404_and_the_new_bytes_through_it_and_through_a_new_node_joining_through_it()
    {
        await using var cluster = await ClusterApp.StartAsync(new ClusterAppOptions
        {
            // node4 knows only node3 when it starts: whatever else it learns, it learns through node3.
            LateNodes = new Dictionary<string, IReadOnlyList<string>> { ["node4"] = ["node3"] },
        });
        var expected = new Dictionary<string, byte[]?>(StringComparer.Ordinal);
        var objects = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var group in new[] { "kept", "deleted", "overwritten" })
        {
            for (var i = 0; i < 10; i++)
            {
                var written = await cluster.Http("node1").StoreAsync("node1", $"{group}/{i}", DemoFiles.RandomBytes(200 + i, seed: (group.Length * 100) + i));
                expected[written.Key] = written.Content;
                objects[written.Key] = written.ObjectId;
            }
        }

        var node3 = cluster.Disk("node3");
        await Eventually.UntilAsync(() => node3.Missing(objects).Count == 0, () => $"node3 holds all 30 keys before it is stopped; it lacks {string.Join(", ", node3.Missing(objects))}", TimeSpan.FromSeconds(30));

        await cluster.StopAsync("node3");
        await cluster.WaitUntilSeesAsync("node1", ["node3"], Seen.Down);
        for (var i = 0; i < 10; i++)
        {
            var key = $"deleted/{i}";
            var deleted = await cluster.Http("node1").DeleteAsync("node1", key);
            Assert.True(deleted.Status == HttpStatusCode.OK, $"DELETE '{key}' through node1 while node3 is down must succeed: {deleted}");
            expected[key] = null;

            var overwrite = await cluster.Http("node2").StoreAsync("node2", $"overwritten/{i}", DemoFiles.RandomBytes(300 + i, seed: 5000 + i));
            expected[overwrite.Key] = overwrite.Content;
        }

        // node3 returns with its old copies of all 30 keys on disk.
        await cluster.StartAsync("node3");
        await cluster.WaitUntilSeesAsync("node3", ["node1", "node2"]);
        await AssertServesAsync(cluster, "node3", expected, "back after missing them");

        // node4 joins knowing only node3, and learns the rest of the cluster through it.
        await cluster.StartAsync("node4");
        await cluster.WaitUntilSeesAsync("node4", ["node3"]);
        await cluster.WaitUntilSeesAsync("node4", ["node1", "node2", "node3"]);
        await AssertServesAsync(cluster, "node4", expected, "new, joined through node3");
    }

    /// <summary>Reads every key through <paramref name="node"/>: the current bytes, or 404 for a deleted key.</summary>
    private static async Task AssertServesAsync(ClusterApp cluster, string node, Dictionary<string, byte[]?> expected, string which)
    {
        var wrong = new List<string>();
        foreach (var (key, content) in expected.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            var read = await cluster.Http(node).GetAsync(node, key);
            if (content is null && read.Status != HttpStatusCode.NotFound)
            {
                wrong.Add($"{read}; '{key}' was deleted while node3 was down: expected 404");
            }
            else if (content is not null && (!read.Found || !read.Body.AsSpan().SequenceEqual(content)))
            {
                wrong.Add($"{read}; expected {(key.StartsWith("overwritten/", StringComparison.Ordinal) ? "the bytes written while node3 was down" : "the bytes written before")} ({content.Length} bytes)");
            }
        }

        Assert.True(wrong.Count == 0, $"{wrong.Count} of {expected.Count} reads through {node} ({which}) were wrong:\n{string.Join('\n', wrong)}");
    }
}
