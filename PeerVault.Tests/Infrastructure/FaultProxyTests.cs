using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PeerVault.Tests.Infrastructure;

/// <summary>The fault-injecting proxy the distributed fault tests route peer traffic through.</summary>
[Trait("Category", "InProcess")]
public sealed class FaultProxyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Forward_passes_bytes_both_ways_and_a_close_from_the_target_reaches_the_client()
    {
        using var target = new Target();
        await using var proxy = new FaultProxy("test", () => target.Address);

        using var client = await ConnectAsync(proxy);
        await using var upstream = await target.AcceptAsync();
        await client.GetStream().WriteAsync("hello"u8.ToArray(), Ct);
        Assert.Equal("hello", await ReadTextAsync(upstream.Stream, 5));
        await upstream.Stream.WriteAsync("world"u8.ToArray(), Ct);
        Assert.Equal("world", await ReadTextAsync(client.GetStream(), 5));
        await Poll.UntilAsync(() => proxy.ForwardedBytes == 10, $"the proxy counts the 10 bytes it forwarded ({proxy})");

        upstream.Socket.Shutdown(SocketShutdown.Send);
        Assert.Equal(0, await client.GetStream().ReadAsync(new byte[1], Ct));
    }

    [Fact]
    public async Task The_target_is_asked_for_on_each_new_connection()
    {
        using var first = new Target();
        using var second = new Target();
        var current = first;
        await using var proxy = new FaultProxy("test", () => current.Address);

        using (var client = await ConnectAsync(proxy))
        {
            await using var upstream = await first.AcceptAsync();
        }

        current = second;
        using var again = await ConnectAsync(proxy);
        await using var moved = await second.AcceptAsync();
        await again.GetStream().WriteAsync("x"u8.ToArray(), Ct);
        Assert.Equal("x", await ReadTextAsync(moved.Stream, 1));
    }

    [Fact]
    public async Task A_target_that_is_not_listening_closes_the_client()
    {
        await using var proxy = new FaultProxy("test", () => new Uri($"tcp://127.0.0.1:{FreePort.Next()}"));

        await AssertRefusedAsync(proxy, "the client of a proxy whose target refuses");
    }

    [Fact]
    public async Task Drop_resets_open_connections_and_new_ones_until_it_forwards_again()
    {
        using var target = new Target();
        await using var proxy = new FaultProxy("test", () => target.Address);
        using var client = await ConnectAsync(proxy);
        await using var upstream = await target.AcceptAsync();

        proxy.SetMode(FaultMode.Drop);

        await AssertClosedAsync(client, "the client of a dropped link");
        Assert.Equal(0, await ReadOrZeroAsync(upstream.Stream));
        await AssertRefusedAsync(proxy, "a connection made while the link is dropped");

        // The proxy never dialed the target for it.
        Assert.False(target.Listener.Pending(), "a connection made while dropped must not reach the target");
        await Poll.UntilAsync(() => proxy.OpenConnections == 0, $"no connection is left open ({proxy})");

        proxy.SetMode(FaultMode.Forward);
        using var healed = await ConnectAsync(proxy);
        await using var healedUpstream = await target.AcceptAsync();
        await healed.GetStream().WriteAsync("back"u8.ToArray(), Ct);
        Assert.Equal("back", await ReadTextAsync(healedUpstream.Stream, 4));
    }

    [Fact]
    public async Task Hold_keeps_connections_open_and_passes_nothing_on_until_it_forwards_again()
    {
        using var target = new Target();
        await using var proxy = new FaultProxy("test", () => target.Address);
        using var open = await ConnectAsync(proxy);
        var openStream = open.GetStream();
        await using var upstream = await target.AcceptAsync();

        proxy.SetMode(FaultMode.Hold);

        // An open connection: what either side sends is taken and kept, and a close is kept too.
        await openStream.WriteAsync("held"u8.ToArray(), Ct);
        await upstream.Stream.WriteAsync("back"u8.ToArray(), Ct);
        await Poll.UntilAsync(() => proxy.PendingBytes == 8, $"the proxy holds both sides' bytes ({proxy})");
        Assert.Equal(0, upstream.Socket.Available);
        Assert.Equal(0, open.Available);
        open.Client.Shutdown(SocketShutdown.Send);

        // A new connection is accepted and left hanging: the target never hears of it.
        var acceptedBefore = proxy.Accepted;
        using var hanging = await ConnectAsync(proxy);
        await hanging.GetStream().WriteAsync("hello?"u8.ToArray(), Ct);
        await Poll.UntilAsync(() => proxy.Accepted == acceptedBefore + 1, "the proxy accepted the new connection");
        Assert.False(target.Listener.Pending(), "a connection made during a hold must not reach the target yet");
        Assert.False(hanging.Client.Poll(0, SelectMode.SelectRead), "a held connection is neither answered nor closed");
        Assert.False(upstream.Socket.Poll(0, SelectMode.SelectRead), "the target hears nothing, not even the client's close");
        Assert.True(proxy.OpenConnections == 2, $"both connections are open through the hold ({proxy})");

        proxy.SetMode(FaultMode.Forward);

        Assert.Equal("held", await ReadTextAsync(upstream.Stream, 4));
        Assert.Equal(0, await upstream.Stream.ReadAsync(new byte[1], Ct));
        Assert.Equal("back", await ReadTextAsync(openStream, 4));
        await using var late = await target.AcceptAsync();
        Assert.Equal("hello?", await ReadTextAsync(late.Stream, 6));
        await Poll.UntilAsync(() => proxy.PendingBytes == 0, $"the proxy holds nothing once it forwards again ({proxy})");
    }

    [Fact]
    public async Task Disposing_the_proxy_resets_its_connections_and_stops_listening()
    {
        using var target = new Target();
        var proxy = new FaultProxy("test", () => target.Address);
        using var client = await ConnectAsync(proxy);
        await using var upstream = await target.AcceptAsync();
        proxy.SetMode(FaultMode.Hold);

        await proxy.DisposeAsync();

        await AssertClosedAsync(client, "a connection through a disposed proxy");
        using var late = new TcpClient();
        await Assert.ThrowsAnyAsync<SocketException>(() => late.ConnectAsync(IPAddress.Loopback, proxy.Port, Ct).AsTask());
    }

    private static async Task<TcpClient> ConnectAsync(FaultProxy proxy)
    {
        var client = new TcpClient { NoDelay = true };
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, proxy.Port, Ct);
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    private static async Task<string> ReadTextAsync(Stream stream, int length)
    {
        var buffer = new byte[length];
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(Poll.DefaultTimeout);
        await stream.ReadExactlyAsync(buffer, timeout.Token);
        return Encoding.UTF8.GetString(buffer);
    }

    /// <summary>Reads one byte; a reset counts as the end of the stream.</summary>
    private static async Task<int> ReadOrZeroAsync(Stream stream)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(Poll.DefaultTimeout);
        try
        {
            return await stream.ReadAsync(new byte[1], timeout.Token);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>The connection attempt fails, or succeeds and is closed at once (the proxy accepted and reset it).</summary>
    private static async Task AssertRefusedAsync(FaultProxy proxy, string what)
    {
        TcpClient client;
        try
        {
            client = await ConnectAsync(proxy);
        }
        catch (SocketException)
        {
            return;
        }

        using (client)
        {
            await AssertClosedAsync(client, what);
        }
    }

    private static async Task AssertClosedAsync(TcpClient client, string what)
        => Assert.True(await ReadOrZeroAsync(client.GetStream()) == 0, $"{what} is closed");

    /// <summary>A listener on a free loopback port standing in for a peer.</summary>
    private sealed class Target : IDisposable
    {
        public Target()
        {
            Listener = new TcpListener(IPAddress.Loopback, 0);
            Listener.Start();
        }

        public TcpListener Listener { get; }

        public Uri Address => new($"tcp://127.0.0.1:{((IPEndPoint)Listener.LocalEndpoint).Port}");

        public async Task<Accepted> AcceptAsync()
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            timeout.CancelAfter(Poll.DefaultTimeout);
            var socket = await Listener.AcceptSocketAsync(timeout.Token);
            return new Accepted(socket);
        }

        public void Dispose() => Listener.Dispose();
    }

    private sealed class Accepted(Socket socket) : IAsyncDisposable
    {
        public Socket Socket { get; } = socket;

        public NetworkStream Stream { get; } = new(socket, ownsSocket: true);

        public ValueTask DisposeAsync() => Stream.DisposeAsync();
    }
}
