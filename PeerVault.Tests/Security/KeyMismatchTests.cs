using System.Net;
using System.Text.Json;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Security;

[Trait("Category", "InProcess")]
public sealed class KeyMismatchTests
{
    [Fact]
    public async Task A_peer_on_another_cluster_key_refuses_the_replica_and_both_sides_say_key_id_mismatch()
    {
        using var directory = new TempDirectory();
        var shared = ClusterSecrets.Generate();
        var other = shared with { ClusterKey = ClusterSecrets.Generate().ClusterKey };
        await using var a = await TestNode.StartAsync("node1", directory.Sub("node1"), shared);
        await using var b = await TestNode.StartAsync("node2", directory.Sub("node2"), other, [a.P2PPort]);
        await a.WaitForPeersAsync(1);

        using var response = await a.Http.PutAsync("/v1/objects/secret.txt", new ByteArrayContent("sealed under key A"u8.ToArray()), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;
        Assert.Equal(["node1"], body.Replicas());
        Assert.Contains("key-mismatch", body.GetProperty("failures")[0].GetString(), StringComparison.Ordinal);
        Assert.False(b.Store.TryGetLocal("secret.txt", out _));
        Assert.Empty(b.Store.Blobs.EnumerateBlobs());
        Assert.True(b.Logs.Contains("cluster key id mismatch"), "the refusing node names the key id mismatch");
        Assert.True(a.Logs.Contains("cluster key id mismatch"), "the sending node names the key id mismatch");
        Assert.DoesNotContain(b.Logs.Lines, l => l.Contains(other.ClusterKey, StringComparison.Ordinal) || l.Contains(shared.ClusterKey, StringComparison.Ordinal));

        var view = await a.Http.GetJsonAsync("/v1/cluster");
        Assert.Equal(1, view.GetProperty("replication").GetProperty("underReplicated").GetInt32());

        // The writer keeps its copy: nothing acknowledged is lost.
        Assert.Equal("sealed under key A"u8.ToArray(), await a.Http.GetObjectAsync("secret.txt"));
    }
}
