using System.Net;
using System.Net.Sockets;
using PeerVault.Node.Net;

namespace PeerVault.Tests.Infrastructure;

/// <summary>Two ends of a real TCP connection on 127.0.0.1, as frame connections.</summary>
public sealed class LoopbackPair : IAsyncDisposable
{
    private LoopbackPair(Stream dialerStream, FrameConnection dialer, FrameConnection listener)
    {
        DialerStream = dialerStream;
        Dialer = dialer;
        Listener = listener;
    }

    /// <summary>The dialer's socket stream, for writing bytes that bypass the frame writer.</summary>
    public Stream DialerStream { get; }

    public FrameConnection Dialer { get; }

    public FrameConnection Listener { get; }

    public static async Task<LoopbackPair> ConnectAsync(Func<Stream, Stream>? wrapDialer = null)
    {
        using var server = new TcpListener(IPAddress.Loopback, 0);
        server.Start();
        var client = new TcpClient();
        var accept = server.AcceptTcpClientAsync(TestContext.Current.CancellationToken).AsTask();
        await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)server.LocalEndpoint).Port, TestContext.Current.CancellationToken);
        var accepted = await accept;
        var dialerStream = wrapDialer?.Invoke(client.GetStream()) ?? client.GetStream();
        return new LoopbackPair(dialerStream, new FrameConnection(dialerStream), new FrameConnection(accepted.GetStream()));
    }

    public async ValueTask DisposeAsync()
    {
        await Dialer.DisposeAsync();
        await Listener.DisposeAsync();
    }
}
