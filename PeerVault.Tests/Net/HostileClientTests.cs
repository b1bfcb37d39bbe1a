using System.Net.Sockets;
using PeerVault.Node.Net;
using PeerVault.Node.Security;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Net;

/// <summary>Raw TCP clients that break the protocol are cut off; the node keeps serving everyone else.</summary>
[Trait("Category", "InProcess")]
public sealed class HostileClientTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string, byte[]> Attacks => new()
    {
        { "garbage", "GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray() },
        { "a header claiming 0xFFFFFFFF bytes", [(byte)FrameType.HandshakeHello, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0] },
        { "a truncated frame", [(byte)FrameType.HandshakeHello, 0, 0, 0, 200, 1, 2, 3] },
        { "an unknown frame type", [0x42, 0, 0, 0, 0] },
        { "a message before the handshake", [(byte)FrameType.Message, 0, 0, 0, 2, (byte)'{', (byte)'}'] },
    };

    [Theory]
    [MemberData(nameof(Attacks))]
    public async Task A_client_sending_protocol_garbage_is_disconnected_while_peers_and_clients_carry_on(string attack, byte[] bytes)
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var node = cluster["node1"];
        var before = GC.GetTotalMemory(forceFullCollection: false);

        using (var client = new TcpClient())
        {
            await client.ConnectAsync("127.0.0.1", node.P2PPort, Ct);
            var stream = client.GetStream();
            await stream.WriteAsync(bytes, Ct);
            if (attack == "a truncated frame")
            {
                client.Client.Shutdown(SocketShutdown.Send);
            }

            Assert.True(await IsDisconnectedAsync(stream), $"{attack}: the node must close the connection");
        }

        // Process-wide, and other tests run in parallel: the bound is far below the 4 GiB claimed, far above their noise.
        Assert.True(GC.GetTotalMemory(forceFullCollection: false) - before < 512L << 20, "memory must not jump by a claimed length");
        Assert.Single(node.Peers.Connected);
        await node.Http.PutObjectAsync($"still-works-{Guid.NewGuid():N}", [1, 2, 3]);
        Assert.True(node.Logs.Contains("Refused (handshake-inbound)"));
    }

    [Fact]
    public async Task A_handshake_with_the_wrong_token_is_refused_and_logged_without_the_token()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var node = cluster["node1"];

        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", node.P2PPort, Ct);
        await using var connection = new FrameConnection(client.GetStream());
        var impostor = new Handshake(new NodeIdentity(Guid.NewGuid(), "impostor"), ClusterKeyIds.Of(ClusterKey.Generate()), AuthToken.Parse("a guessed token, not the real one"), TimeProvider.System, new ReplayCache(TimeProvider.System, Handshake.MaxClockSkew));

        var error = await Assert.ThrowsAsync<PeerProtocolException>(() => impostor.DialAsync(connection, null, Ct));

        Assert.Equal(RejectReason.WrongToken, error.Reason);
        Assert.Single(node.Peers.Connected);
        await node.Http.PutObjectAsync("after-impostor", [1]);
        Assert.DoesNotContain(node.Logs.Lines, l => l.Contains(cluster.Secrets.AuthToken, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_flood_of_refused_handshakes_is_counted_but_logged_once_with_a_count()
    {
        await using var cluster = await TestCluster.StartAsync(1);
        var node = cluster["node1"];
        var refusals = new System.Collections.Concurrent.ConcurrentBag<long>();
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "peervault.refusals")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => refusals.Add(value));
        listener.Start();

        const int attempts = 500;
        for (var i = 0; i < attempts; i++)
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", node.P2PPort, Ct);
            await client.GetStream().WriteAsync("not a handshake"u8.ToArray(), Ct);
            await IsDisconnectedAsync(client.GetStream());
        }

        await Poll.UntilAsync(() => refusals.Sum() >= attempts, $"{attempts} refusals counted");
        var logged = node.Logs.Lines.Count(l => l.Contains("Refused (handshake-inbound)", StringComparison.Ordinal));
        Assert.InRange(logged, 1, 2);
    }

    [Fact]
    public async Task Connections_over_the_per_address_limit_are_closed_at_once_and_their_places_come_back()
    {
        await using var cluster = await TestCluster.StartAsync(1, settings: new Dictionary<string, string?> { ["PEERVAULT_MAX_CONNECTIONS_PER_ADDRESS"] = "3" });
        var node = cluster["node1"];
        var held = new List<TcpClient>();
        try
        {
            // Three silent connections (a slow-loris) take every place this address has.
            for (var i = 0; i < 3; i++)
            {
                var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", node.P2PPort, Ct);
                held.Add(client);
            }

            using var refused = new TcpClient();
            await refused.ConnectAsync("127.0.0.1", node.P2PPort, Ct);
            var closedAt = System.Diagnostics.Stopwatch.StartNew();
            Assert.True(await IsDisconnectedAsync(refused.GetStream()));
            Assert.True(closedAt.Elapsed < TimeSpan.FromSeconds(5), "a connection over the limit is closed before the handshake deadline");
            await Poll.UntilAsync(() => node.Logs.Contains("Refused (connection-limit)"), "the refusal is logged");
        }
        finally
        {
            held.ForEach(c => c.Dispose());
        }

        // Closed connections give their places back.
        await Poll.UntilAsync(
            async () =>
            {
                using var again = new TcpClient();
                await again.ConnectAsync("127.0.0.1", node.P2PPort, Ct);
                return !await IsDisconnectedAsync(again.GetStream(), TimeSpan.FromSeconds(1));
            },
            "a new connection is admitted (held open for its handshake) once the held ones close");
    }

    private static async Task<bool> IsDisconnectedAsync(NetworkStream stream, TimeSpan? within = null)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(within ?? TimeSpan.FromSeconds(15));
        var buffer = new byte[4096];
        try
        {
            while (await stream.ReadAsync(buffer, deadline.Token) > 0)
            {
                // A welcome may come first for a well-formed hello; keep reading until the close.
            }

            return true;
        }
        catch (IOException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
