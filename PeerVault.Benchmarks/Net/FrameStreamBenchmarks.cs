using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using PeerVault.Node.Net;

namespace PeerVault.Benchmarks.Net;

/// <summary>
/// 64 MiB of stream frames from one <see cref="FrameConnection"/> to another over loopback TCP,
/// read and released by the receiver: the peer channel's real path (pipes, framing, sealing,
/// pooled frames). The baseline is the limit measured in the same run: the same 64 MiB written
/// raw to a loopback socket in the same 256 KiB writes and read into one reused buffer.
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

    [Benchmark(Baseline = true, Description = "64 MiB raw over loopback TCP (the limit)")]
    public async Task<long> RawLoopback()
    {
        var (client, accepted) = await ConnectAsync();
        using (client)
        using (accepted)
        {
            var reading = Task.Run(async () =>
            {
                var buffer = new byte[_body.Length];
                long received = 0;
                int read;
                while (received < Total && (read = await accepted.GetStream().ReadAsync(buffer)) > 0)
                {
                    received += read;
                }

                return received;
            });

            var stream = client.GetStream();
            for (var sent = 0; sent < Total; sent += _body.Length)
            {
                await stream.WriteAsync(_body);
            }

            return await reading;
        }
    }

    [Benchmark(Description = "64 MiB in 256 KiB sealed frames (FrameConnection, AES-256-GCM)")]
    public async Task<long> SealedFrames()
    {
        var (client, accepted) = await ConnectAsync();
        using (client)
        using (accepted)
        {
            await using var sender = new FrameConnection(client.GetStream());
            await using var receiver = new FrameConnection(accepted.GetStream());
            var a = RandomNumberGenerator.GetBytes(FrameSealer.KeySize);
            var b = RandomNumberGenerator.GetBytes(FrameSealer.KeySize);
            using var sendSealer = new FrameSealer(a, b);
            using var receiveSealer = new FrameSealer(b, a);
            sender.Seal(sendSealer);
            receiver.Seal(receiveSealer);

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
    }

    private async Task<(TcpClient Client, TcpClient Accepted)> ConnectAsync()
    {
        var client = new TcpClient { NoDelay = true };
        var accept = _server.AcceptTcpClientAsync();
        await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)_server.LocalEndpoint).Port);
        return (client, await accept);
    }

    [GlobalCleanup]
    public void Cleanup() => _server.Stop();
}
