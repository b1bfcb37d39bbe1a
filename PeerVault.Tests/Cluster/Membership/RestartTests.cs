using System.Net;
using Microsoft.Extensions.DependencyInjection;
using PeerVault.Node.Cluster.Placement;
using PeerVault.Node.Hosting;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Cluster.Membership;

/// <summary>
/// A node that has just started must not coordinate on a partial picture of its cluster: it keeps
/// the member list across restarts, and until a peer has told it who the members are it answers
/// client requests 503 (with Retry-After) and is not ready. Found by a randomized schedule: a node
/// restarted with only one bootstrap peer placed a DELETE over the two members it knew, answered 200,
/// and the key's real replicas went on serving the object.
/// </summary>
[Trait("Category", "InProcess")]
public sealed class RestartTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_restarted_node_places_a_delete_over_the_whole_cluster_from_its_first_request()
    {
        await using var cluster = await TestCluster.StartAsync(4);
        var placement = cluster["node1"].Services.GetRequiredService<PlacementMap>();
        var key = Enumerable.Range(0, 1000).Select(i => $"restart/{i}")
            .First(k => placement.ReplicasOf(k).Select(m => m.Name).Order(StringComparer.Ordinal).SequenceEqual(["node2", "node3", "node4"]));

        // node2 goes down; the key is written through node1 and held by node3 and node4 only.
        var node2 = cluster["node2"];
        var node2Directory = node2.DataDirectory;
        await node2.DisposeAsync();
        cluster.Nodes.Remove(node2);
        var stored = await cluster["node1"].Http.PutObjectAsync(key, "precious"u8.ToArray());
        Assert.Equal(["node3", "node4"], stored.Replicas().Order(StringComparer.Ordinal));

        // It comes back on the same data with only node1 to bootstrap from (as after a crash, before
        // gossip has told it anything), and is asked to delete the key the moment it is ready.
        var restarted = await TestNode.StartAsync("node2", node2Directory, cluster.Secrets, [cluster["node1"].P2PPort]);
        cluster.Nodes.Add(restarted);
        await Poll.UntilAsync(async () => (await restarted.Http.GetAsync("/health", Ct)).IsSuccessStatusCode, "node2 is ready");
        using var deleted = await restarted.Http.DeleteAsync($"/v1/objects/{Uri.EscapeDataString(key)}", Ct);
        var answer = await deleted.Content.ReadAsStringAsync(Ct);

        Assert.True(deleted.StatusCode == HttpStatusCode.OK, $"DELETE through the restarted node: {(int)deleted.StatusCode} {answer}");
        Assert.Contains("\"node3\"", answer, StringComparison.Ordinal);
        Assert.Contains("\"node4\"", answer, StringComparison.Ordinal);
        Assert.DoesNotContain("\"node1\"", answer, StringComparison.Ordinal);

        // The acknowledged delete holds on the key's replicas at once, not after some repair.
        foreach (var name in new[] { "node1", "node3", "node4" })
        {
            using var read = await cluster[name].Http.GetAsync($"/v1/objects/{Uri.EscapeDataString(key)}", Ct);
            Assert.True(read.StatusCode == HttpStatusCode.NotFound, $"GET through {name} after the delete: {(int)read.StatusCode}");
        }
    }

    [Fact]
    public async Task A_node_that_has_not_heard_from_its_cluster_answers_503_with_retry_after_until_it_has()
    {
        using var directory = new TempDirectory("peervault-joining");
        var secrets = ClusterSecrets.Generate();
        var laterPort = FreePort.Next();

        // node1's only bootstrap peer is not up yet: it knows of a cluster but cannot hear from it.
        await using var node1 = await TestNode.StartAsync("node1", directory.Sub("node1"), secrets, [laterPort]);
        foreach (var (method, path) in new[] { (HttpMethod.Put, "/v1/objects/early"), (HttpMethod.Get, "/v1/objects/early"), (HttpMethod.Delete, "/v1/objects/early"), (HttpMethod.Get, "/v1/objects") })
        {
            using var request = new HttpRequestMessage(method, path) { Content = method == HttpMethod.Put ? new ByteArrayContent([1]) : null };
            using var response = await node1.Http.SendAsync(request, Ct);
            var body = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"{method} {path} while joining: {(int)response.StatusCode} {body}");
            Assert.Contains("problems/joining", body, StringComparison.Ordinal);
            Assert.Equal(TimeSpan.FromSeconds(1), response.Headers.RetryAfter?.Delta);
        }

        using (var health = await node1.Http.GetAsync("/health", Ct))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        }

        Assert.False(node1.Store.Index.TryGet("early", out _));

        // The peer comes up where node1 looks for it: they exchange member lists, and node1 serves.
        await using var node2 = await TestNode.StartAsync("node2", directory.Sub("node2"), secrets, settings: new Dictionary<string, string?> { [NodeSettings.P2PPortVariable] = laterPort.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        await Poll.UntilAsync(async () => (await node1.Http.GetAsync("/health", Ct)).IsSuccessStatusCode, "node1 is ready once it has heard from node2");
        var stored = await node1.Http.PutObjectAsync("late", [1, 2, 3]);
        Assert.Equal(["node1", "node2"], stored.Replicas().Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_node_alone_with_nobody_to_hear_from_serves_at_once()
    {
        using var directory = new TempDirectory("peervault-alone");
        await using var node = await TestNode.StartAsync("solo", directory.Sub("solo"), ClusterSecrets.Generate());

        using var health = await node.Http.GetAsync("/health", Ct);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        await node.Http.PutObjectAsync("solo/first", [1]);
    }
}
