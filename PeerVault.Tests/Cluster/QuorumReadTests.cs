using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Cluster;

/// <summary>
/// A read asks only a read quorum of replicas (R - W + 1 = 2 of 3 here, its own copy among them)
/// and serves when they agree; a replica away, lacking the key or holding an older version makes
/// it ask the rest, so it still serves the newest version a write quorum acknowledged and repairs
/// the replica that lacked it.
/// </summary>
[Trait("Category", "InProcess")]
public sealed class QuorumReadTests
{
    [Fact]
    public async Task With_one_replica_down_every_remaining_node_serves_the_object()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        var content = DemoFiles.RandomBytes(5_000, seed: 11);
        await cluster["node1"].Http.PutObjectAsync("quorum-read/one-down", content);
        await WaitUntilAllHoldAsync(cluster, "quorum-read/one-down");

        var node2 = cluster["node2"];
        await node2.DisposeAsync();
        cluster.Nodes.Remove(node2);

        foreach (var node in cluster.Nodes)
        {
            Assert.Equal(content, await node.Http.GetObjectAsync("quorum-read/one-down"));
        }
    }

    [Fact]
    public async Task With_two_of_three_replicas_down_a_read_or_listing_is_refused_with_retry_after_not_served_from_the_one_left()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        await cluster["node1"].Http.PutObjectAsync("quorum-read/two-down", "v1"u8.ToArray());
        await WaitUntilAllHoldAsync(cluster, "quorum-read/two-down");

        // The copy node1 holds may be the newest or not: a write acknowledged by node2 and node3
        // alone would be newer, and node1 cannot tell. One placed answer is not a read quorum.
        foreach (var name in new[] { "node2", "node3" })
        {
            var node = cluster[name];
            await node.DisposeAsync();
            cluster.Nodes.Remove(node);
        }

        var node1 = cluster["node1"];
        foreach (var path in new[] { "/v1/objects/quorum-read%2Ftwo-down", "/v1/objects?prefix=quorum-read/" })
        {
            using var response = await node1.Http.GetAsync(path, TestContext.Current.CancellationToken);
            var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            Assert.True(response.StatusCode == System.Net.HttpStatusCode.ServiceUnavailable, $"GET {path} with one of three replicas: {(int)response.StatusCode} {body}");
            Assert.Contains("replicas-unreachable", body, StringComparison.Ordinal);
            Assert.NotNull(response.Headers.RetryAfter);
        }
    }

    [Fact]
    public async Task A_replica_that_lacks_the_key_makes_the_read_ask_every_replica_and_keeps_the_copy_it_serves()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        var content = DemoFiles.RandomBytes(5_000, seed: 12);
        await cluster["node1"].Http.PutObjectAsync("quorum-read/lacking", content);
        await WaitUntilAllHoldAsync(cluster, "quorum-read/lacking");
        var node3 = cluster["node3"];
        Assert.True(node3.Store.TryGetLocal("quorum-read/lacking", out var held));
        Assert.True(await node3.Store.ForgetAsync("quorum-read/lacking", held.Version));

        // node3's own answer (none) disagrees with the replica it asked: it asks the third too, serves, and keeps a copy.
        Assert.Equal(content, await node3.Http.GetObjectAsync("quorum-read/lacking"));
        await Eventually.UntilAsync(() => node3.Store.TryGetLocal("quorum-read/lacking", out _), () => "node3 holds the key again after serving it", TimeSpan.FromSeconds(10));
        foreach (var node in cluster.Nodes)
        {
            Assert.Equal(content, await node.Http.GetObjectAsync("quorum-read/lacking"));
        }
    }

    [Fact]
    public async Task A_replica_back_with_an_older_version_never_makes_a_read_serve_it()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        var node1 = cluster["node1"];
        await node1.Http.PutObjectAsync("quorum-read/overwritten", "version one"u8.ToArray());
        await WaitUntilAllHoldAsync(cluster, "quorum-read/overwritten");

        var node3 = cluster["node3"];
        var directory = node3.DataDirectory;
        await node3.DisposeAsync();
        cluster.Nodes.Remove(node3);
        var newer = "version two, written while node3 was down"u8.ToArray();
        await node1.Http.PutObjectAsync("quorum-read/overwritten", newer);

        node3 = await TestNode.StartAsync("node3", directory, cluster.Secrets, cluster.Nodes.Select(n => n.P2PPort));
        cluster.Nodes.Add(node3);
        await node3.WaitForPeersAsync(2);
        foreach (var node in cluster.Nodes)
        {
            Assert.Equal(newer, await node.Http.GetObjectAsync("quorum-read/overwritten"));
        }
    }

    private static async Task WaitUntilAllHoldAsync(TestCluster cluster, string key)
        => await Eventually.UntilAsync(
            () => cluster.Nodes.All(n => n.Store.TryGetLocal(key, out _)),
            () => $"every node holds '{key}'",
            TimeSpan.FromSeconds(10));
}
