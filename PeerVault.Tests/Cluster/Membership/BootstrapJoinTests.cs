using PeerVault.Node.Hosting;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Cluster.Membership;

/// <summary>
/// A bootstrap list is whatever the operator wrote: entries that are down, refuse connections or do
/// not resolve must not keep a node from joining through the ones that answer.
/// </summary>
[Trait("Category", "InProcess")]
public sealed class BootstrapJoinTests
{
    [Fact]
    public async Task A_node_whose_bootstrap_list_names_dead_and_unresolvable_addresses_before_a_live_one_still_joins()
    {
        using var directory = new TempDirectory("peervault-bootstrap");
        var secrets = ClusterSecrets.Generate();
        await using var live = await TestNode.StartAsync("node1", directory.Sub("node1"), secrets);
        var nobodyListens = FreePort.Next();

        await using var joiner = await TestNode.StartAsync("node2", directory.Sub("node2"), secrets, settings: new Dictionary<string, string?>
        {
            [NodeSettings.BootstrapVariable] = $"127.0.0.1:{nobodyListens},peervault-no-such-host.invalid:7000,tcp://127.0.0.1:{live.P2PPort}",
        });

        await joiner.WaitForPeersAsync(1);
        await live.WaitForPeersAsync(1);
        Assert.Equal("node1", Assert.Single(joiner.Peers.Connected).Peer.Name);
        Assert.Equal("node2", Assert.Single(live.Peers.Connected).Peer.Name);

        // Joined means a member of the cluster, not only connected: a write through the joiner lands on both.
        var stored = await joiner.Http.PutObjectAsync("joined/through-bootstrap", "hello"u8.ToArray());
        Assert.Equal(["node1", "node2"], stored.Replicas().Order(StringComparer.Ordinal));
    }
}
