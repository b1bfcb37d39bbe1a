using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using PeerVault.Node.Net;

namespace PeerVault.Benchmarks.Net;

/// <summary>
/// 64 MiB of stream frames from one <see cref="FrameConnection"/> to another over loopback TCP,
/// read and released by the receiver: the peer channel's real path (pipes, framing, pooled
/// frames). The baseline sends the same frames unsealed, so the ratio is what sealing costs on
/// the wire path, against a limit measured in the same run.
/// </summary>
[MemoryDiagnoser]
#pragma warning disable CA1001 // BenchmarkDotNet owns the lifecycle: GlobalCleanup disposes the connections.
public class FrameStreamBenchmarks
#pragma warning restore CA1001
{
    private const int Total = 64 << 20;
    private readonly byte[] _body = RandomNumberGenerator.GetBytes(256 * 1024);
    private TcpListener _server = null!;

    [GlobalSetup]
    public void Setup()
    {
        _server = new TcpListener(IPAddress.Loopback, 0);
        _server.Start();
    }

    [Benchmark(Baseline = true, Description = "64 MiB in 256 KiB frames, unsealed")]
    public Task<long> Plain() => SendAsync(seal: false);

    [Benchmark(Description = "64 MiB in 256 KiB frames, sealed (AES-256-GCM)")]
    public Task<long> Sealed() => SendAsync(seal: true);

    private async Task<long> SendAsync(bool seal)
    {
        using var client = new TcpClient { NoDelay = true };
        var accept = _server.AcceptTcpClientAsync();
        await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)_server.LocalEndpoint).Port);
        using var accepted = await accept;
        await using var sender = new FrameConnection(client.GetStream());
        await using var receiver = new FrameConnection(accepted.GetStream());
        if (seal)
        {
            var a = RandomNumberGenerator.GetBytes(FrameSealer.KeySize);
            var b = RandomNumberGenerator.GetBytes(FrameSealer.KeySize);
            sender.Seal(new FrameSealer(a, b));
            receiver.Seal(new FrameSealer(b, a));
        }

        var reading = Task.Run(async () =>
        {
            long received = 0;
            while (received < Total && await receiver.ReadFrameAsync(CancellationToken.None) is { } frame)
            {
                received += frame.Payload.Length;
                frame.Dispose();
            }

            return received;
        });

        for (var sent = 0; sent < Total; sent += _body.Length)
        {
            await sender.WriteFrameAsync(FrameType.StreamData, _body, CancellationToken.None);
        }

        return await reading;
    }

    [GlobalCleanup]
    public void Cleanup() => _server.Stop();
}
