using System.Net;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Cluster.Membership;

/// <summary>An operator takes a lost node out of the cluster: the others copy its share among themselves.</summary>
[Trait("Category", "InProcess")]
public sealed class MemberRemovalTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Removing_a_lost_member_brings_every_key_back_to_r_copies_on_the_others()
    {
        var settings = new Dictionary<string, string?>
        {
            ["PEERVAULT_REPLICAS"] = "2",
            ["PEERVAULT_SYNC_INTERVAL_SECONDS"] = "1",
            ["PEERVAULT_DEAD_AFTER_SECONDS"] = "600",
        };
        await using var cluster = await TestCluster.StartAsync(3, settings: settings);
        var keys = Enumerable.Range(0, 60).Select(i => $"removal/{i}").ToList();
        foreach (var key in keys)
        {
            await cluster["node1"].Http.PutObjectAsync(key, [(byte)keys.IndexOf(key)]);
        }

        // node3 is lost for good; it will not be dead for ten minutes, so without the operator its
        // keys would stay one copy short all that time.
        var lostId = (await cluster["node3"].Http.GetJsonAsync("/v1/cluster")).GetProperty("node").GetProperty("id").GetString()!;
        var node3Keys = keys.Where(k => cluster["node3"].Store.TryGetLocal(k, out _)).ToList();
        Assert.NotEmpty(node3Keys);
        await cluster["node3"].DisposeAsync();
        cluster.Nodes.Remove(cluster["node3"]);

        using (var removed = await cluster["node2"].Http.DeleteAsync($"/v1/cluster/members/{lostId}", Ct))
        {
            Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        }

        // Gossip tells node1; placement leaves node3 out; anti-entropy copies its share.
        await Poll.UntilAsync(
            () => keys.All(k => cluster["node1"].Store.TryGetLocal(k, out _) && cluster["node2"].Store.TryGetLocal(k, out _)),
            "every key is on both remaining nodes",
            TimeSpan.FromSeconds(60));
        foreach (var node in cluster.Nodes)
        {
            var view = await node.Http.GetJsonAsync("/v1/cluster");
            Assert.Contains(view.GetProperty("members").EnumerateArray(), m => m.GetProperty("id").GetString() == lostId && m.GetProperty("state").GetString() == "removed");
            Assert.Equal(2, view.GetProperty("node").GetProperty("replicas").GetInt32());
            foreach (var key in node3Keys)
            {
                Assert.Equal([(byte)keys.IndexOf(key)], await node.Http.GetObjectAsync(key));
            }
        }

        using var unknown = await cluster["node1"].Http.DeleteAsync($"/v1/cluster/members/{Guid.NewGuid():N}", Ct);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }
}
