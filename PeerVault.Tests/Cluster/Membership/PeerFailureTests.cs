using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text.Json;
using PeerVault.Node.Net;
using PeerVault.Node.Net.Rpc;
using PeerVault.Node.Security;
using PeerVault.Node.Storage;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Cluster.Membership;

[Trait("Category", "InProcess")]
public sealed class PeerFailureTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_peer_that_dies_mid_transfer_leaves_nothing_behind_and_the_node_carries_on()
    {
        using var directory = new TempDirectory();
        var secrets = ClusterSecrets.Generate();
        // W=1: the dying peer becomes a member, and a cluster of two cannot reach W=2 without it.
        await using var node = await TestNode.StartAsync("node1", directory.Sub("node1"), secrets, settings: new Dictionary<string, string?> { ["PEERVAULT_WRITE_QUORUM"] = "1" });

        // A real peer (it knows the auth token) starts a 10 MiB replica, sends 1 MiB of it, and dies.
        var self = new NodeIdentity(Guid.NewGuid(), "dying-peer");
        using (var client = new TcpClient())
        {
            await client.ConnectAsync("127.0.0.1", node.P2PPort, Ct);
            await using var connection = new FrameConnection(client.GetStream());
            var handshake = new Handshake(self, secrets.KeyIds, AuthToken.Parse(secrets.AuthToken), TimeProvider.System, new ReplayCache(TimeProvider.System, Handshake.MaxClockSkew));
            var result = await handshake.DialAsync(connection, "node1", Ct);
            connection.Seal(result.Sealer);

            var version = new ObjectVersion(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), 0, self.Id).ToString();
            // Real sealed bytes: a replica is verified as it is written, so garbage is refused at its header.
            using var sealedObject = new MemoryStream();
            var size = await node.Store.Cipher.SealAsync(new MemoryStream(DemoFiles.RandomBytes(10 << 20, seed: 3)), sealedObject, Ct);
            var entry = new WireEntry("half.bin", version, new string('a', 64), size, sealedObject.Length, Deleted: false, DateTimeOffset.UtcNow);
            var header = new Envelope(1, 0, null, null, new StoreReplica(entry));
            await connection.WriteFrameAsync(FrameType.StreamHeader, JsonSerializer.SerializeToUtf8Bytes(header, RpcJsonContext.Default.Envelope), Ct);
            var prefix = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(prefix, 1);
            for (var i = 0; i < 4; i++)
            {
                await connection.WriteFrameAsync(FrameType.StreamData, prefix, sealedObject.GetBuffer().AsMemory(i * 256 * 1024, 256 * 1024), Ct);
            }

            await Poll.UntilAsync(() => Directory.GetFiles(Path.Combine(node.DataDirectory, "tmp")).Length == 1, "the partial replica is being written");
            client.Client.Close();
        }

        await Poll.UntilAsync(() => Directory.GetFiles(Path.Combine(node.DataDirectory, "tmp")).Length == 0, "the partial replica is discarded");
        Assert.False(node.Store.Index.TryGet("half.bin", out _));
        Assert.Empty(node.Store.Blobs.EnumerateBlobs());
        using var health = await node.Http.GetAsync("/health", Ct);
        Assert.True(health.IsSuccessStatusCode);

        // The dead peer stays placed (reachability never moves a partition) until an operator
        // removes it; then node1 alone is the cluster again and takes writes.
        using (var removed = await node.Http.DeleteAsync($"/v1/cluster/members/{self.Id:N}", Ct))
        {
            Assert.Equal(System.Net.HttpStatusCode.NoContent, removed.StatusCode);
        }

        await node.Http.PutObjectAsync("after.txt", [1, 2, 3]);
    }

    [Fact]
    public async Task A_stopped_peer_is_redialed_when_it_comes_back()
    {
        using var directory = new TempDirectory();
        var secrets = ClusterSecrets.Generate();
        await using var node1 = await TestNode.StartAsync("node1", directory.Sub("node1"), secrets);
        var node2 = await TestNode.StartAsync("node2", directory.Sub("node2"), secrets, [node1.P2PPort]);
        await node1.WaitForPeersAsync(1);
        var port = node1.P2PPort;

        await node1.DisposeAsync();
        await Poll.UntilAsync(() => node2.Peers.Connected.Count == 0, "node2 notices node1 is gone");
        await using var restarted = await TestNode.StartAsync("node1", directory.Sub("node1"), secrets, settings: new Dictionary<string, string?> { ["P2P_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture) });

        await node2.WaitForPeersAsync(1, TimeSpan.FromSeconds(30));
        await node2.DisposeAsync();
    }

}
