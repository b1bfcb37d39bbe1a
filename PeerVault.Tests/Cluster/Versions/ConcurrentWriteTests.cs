using System.Net;
using PeerVault.Tests.AppHost;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Cluster.Versions;

/// <summary>Many clients writing one key at once through different nodes: one winner everywhere, and no stray blobs.</summary>
[Collection(nameof(AppHostSerial))]
[Trait("Category", "Distributed")]
public sealed class ConcurrentWriteTests
{
    [Fact]
    public async Task Two_hundred_concurrent_puts_of_one_key_leave_exactly_one_blob_per_replica_and_every_node_serves_the_same_final_version()
    {
        await using var cluster = await ClusterApp.StartAsync();
        const string key = "hot/key";
        var contents = Enumerable.Range(0, 200).Select(i => DemoFiles.RandomBytes(100 + i, seed: 9000 + i)).ToList();

        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var puts = contents.Select(async (content, i) =>
        {
            await go.Task;
            var through = cluster.Nodes[i % cluster.Nodes.Count];
            try
            {
                return await cluster.Http(through).PutAsync(through, key, content);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                return new WriteAnswer(through, key, default, null, ex.Message);
            }
        }).ToList();
        go.SetResult();
        var answers = await Task.WhenAll(puts);

        var acknowledged = answers.Where(a => a.Status == HttpStatusCode.Created).ToList();
        ClusterApp.Log($"200 concurrent PUTs of '{key}': {string.Join(", ", answers.GroupBy(a => (int)a.Status).Select(g => $"{g.Count()} × {g.Key}"))}");
        Assert.True(acknowledged.Count > 0, $"Of 200 PUTs through three healthy nodes at least one must be acknowledged: {string.Join(" | ", answers.Take(5))}");

        // After the writes settle, each replica holds the winner's blob and nothing else.
        var disks = cluster.Nodes.Select(cluster.Disk).ToList();
        await Eventually.UntilAsync(
            () => disks.All(d => d.Blobs().Count == 1),
            () => "each node holds exactly one blob for the one key; they hold " + string.Join(", ", disks.Select(d => $"{d.Node}: {d.Blobs().Count}")),
            TimeSpan.FromSeconds(60));

        var reads = new List<ObjectAnswer>();
        foreach (var node in cluster.Nodes)
        {
            reads.Add(await cluster.Http(node).GetAsync(node, key));
        }

        var summary = string.Join("\n", reads);
        Assert.True(reads.All(r => r.Found), $"Every node serves '{key}':\n{summary}");
        Assert.True(reads.Select(r => r.ObjectId).Distinct().Count() == 1 && reads.All(r => r.Body.AsSpan().SequenceEqual(reads[0].Body)), $"Every node serves the same object for '{key}':\n{summary}");
        Assert.True(reads.All(r => r.Version is not null) && reads.Select(r => r.Version).Distinct().Count() == 1, $"Every node answers '{key}' with the same X-PeerVault-Version:\n{summary}");
        var winner = reads[0];
        Assert.True(disks.All(d => d.Holds(winner.ObjectId!)), $"The one blob on each node is the one served ({winner.ObjectId}): {string.Join(", ", disks.Select(d => $"{d.Node} holds {string.Join(",", d.Blobs().Select(b => b[..12]))}"))}");
        Assert.Contains(contents, c => c.AsSpan().SequenceEqual(winner.Body));

        // Last writer wins: nothing acknowledged is newer than the final version.
        var newestAcknowledged = acknowledged.Select(a => a.Version).Max(StringComparer.Ordinal);
        Assert.True(string.CompareOrdinal(winner.Version, newestAcknowledged) >= 0, $"The final version {winner.Version} must be at least the newest acknowledged one, {newestAcknowledged}");
        if (acknowledged.FirstOrDefault(a => a.Version == winner.Version) is { } winning)
        {
            Assert.True(winning.ObjectId == winner.ObjectId, $"The final version {winner.Version} was acknowledged for object {winning.ObjectId}, but the nodes serve {winner.ObjectId}");
        }
    }
}
