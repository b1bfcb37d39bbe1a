using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using PeerVault.Node.Cluster.Placement;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Security;

[Trait("Category", "InProcess")]
public sealed class KeyMismatchTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>
    /// A node with the cluster's auth token but another PEERVAULT_CLUSTER_KEY is refused at the
    /// handshake, by every member and by itself, naming both key ids; it never becomes a member,
    /// so nothing is placed on it and writes go on among the others.
    /// </summary>
    [Fact]
    public async Task A_node_on_another_cluster_key_is_refused_at_the_handshake_by_name_and_never_placed()
    {
        using var telemetry = new TelemetryCapture();
        var secrets = ClusterSecrets.Generate();
        await using var cluster = await TestCluster.StartAsync(3, secrets);
        var foreign = secrets with { ClusterKey = ClusterSecrets.Generate().ClusterKey };
        await using var node4 = await TestNode.StartAsync("node4", Path.Combine(cluster.Root, "node4"), foreign, cluster.Nodes.Select(n => n.P2PPort));

        // node4 dials each member: both sides refuse, each naming the other's key id and its own.
        var members = secrets.KeyIds.Current;
        var theirs = foreign.KeyIds.Current;
        foreach (var node in cluster.Nodes)
        {
            await Poll.UntilAsync(() => node.Logs.Contains($"node4 holds cluster key id {theirs}, this node holds {members}"), $"{node.Name} names node4's key id and its own");
        }

        // (node4's refusals are one kind of refusal: the first is logged, the rest counted once a minute.)
        await Poll.UntilAsync(() => node4.Logs.Lines.Any(l => l.Contains($" holds cluster key id {members}, this node holds {theirs}", StringComparison.Ordinal)), "node4 names a member's key id and its own");

        await telemetry.WaitForAsync(t => t.Measurements.Any(m => m.Instrument == "peervault.handshake.failures" && m.Tags.Contains("reason=ClusterKeyMismatch", StringComparison.Ordinal)), "the refusals are counted by reason");
        Assert.DoesNotContain(cluster.Nodes.SelectMany(n => n.Logs.Lines).Concat(node4.Logs.Lines), l => l.Contains(secrets.ClusterKey, StringComparison.Ordinal) || l.Contains(foreign.ClusterKey, StringComparison.Ordinal));

        // Never a member, never placed: every key's replicas are among the three.
        foreach (var node in cluster.Nodes)
        {
            Assert.DoesNotContain(node.Peers.Connected, s => s.Peer.Name == "node4");
            var view = await node.Http.GetJsonAsync("/v1/cluster");
            Assert.DoesNotContain(view.GetProperty("members").EnumerateArray(), m => m.GetProperty("name").GetString() == "node4");
            var placement = node.Services.GetRequiredService<PlacementMap>();
            Assert.All(Enumerable.Range(0, 4096), p => Assert.DoesNotContain(placement.ReplicasOf(p), m => m.Name == "node4"));
        }

        Assert.Empty(node4.Peers.Connected);
        var stored = await cluster["node1"].Http.PutObjectAsync("written-beside-a-foreign-node", "kept by the members"u8.ToArray());
        Assert.DoesNotContain("node4", stored.GetProperty("placement").EnumerateArray().Select(p => p.GetString()));
    }

    /// <summary>
    /// A rotation half done: node1 already seals with the new key (the old one kept as previous),
    /// node2 holds only the old one. They connect (node1 can open node2's objects), and node1's
    /// replicas to node2 are refused with a key id mismatch that both sides name.
    /// </summary>
    [Fact]
    public async Task During_a_rotation_a_peer_without_the_new_key_refuses_the_replica_and_both_sides_say_key_id_mismatch()
    {
        using var directory = new TempDirectory();
        var old = ClusterSecrets.Generate();
        var rotated = old with { ClusterKey = ClusterSecrets.Generate().ClusterKey };
        await using var a = await TestNode.StartAsync("node1", directory.Sub("node1"), rotated, settings: new Dictionary<string, string?> { ["PEERVAULT_PREVIOUS_CLUSTER_KEYS"] = old.ClusterKey });
        await using var b = await TestNode.StartAsync("node2", directory.Sub("node2"), old, [a.P2PPort]);
        await a.WaitForPeersAsync(1);
        Assert.True(a.Logs.Contains("until the rotation is finished"), "the node that can read both says the rotation is half done");

        using var response = await a.Http.PutAsync("/v1/objects/secret.txt", new ByteArrayContent("sealed under the new key"u8.ToArray()), Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal(["node1"], body.Replicas());
        Assert.Contains("key-mismatch", body.GetProperty("failures")[0].GetString(), StringComparison.Ordinal);
        Assert.False(b.Store.TryGetLocal("secret.txt", out _));
        Assert.Empty(b.Store.Blobs.EnumerateBlobs());
        Assert.True(b.Logs.Contains("cluster key id mismatch"), "the refusing node names the key id mismatch");
        Assert.True(a.Logs.Contains("cluster key id mismatch"), "the sending node names the key id mismatch");
        Assert.DoesNotContain(b.Logs.Lines, l => l.Contains(old.ClusterKey, StringComparison.Ordinal) || l.Contains(rotated.ClusterKey, StringComparison.Ordinal));

        var view = await a.Http.GetJsonAsync("/v1/cluster");
        Assert.Equal(1, view.GetProperty("replication").GetProperty("underReplicated").GetInt32());

        // The writer keeps its copy: nothing acknowledged is lost.
        Assert.Equal("sealed under the new key"u8.ToArray(), await a.Http.GetObjectAsync("secret.txt"));
    }
}
