using System.Security.Cryptography;
using PeerVault.Node.Net;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Net;

/// <summary>
/// A sender whose caller gives up (a client's timeout cancelling a fetch) while the peer is not
/// reading must not leave part of a sealed frame on the wire: every later frame would fail to open
/// and the connection would die with BadSeal. Found by the chaos harness (seed 101: "Frame 408
/// (StreamData) failed to open" between two healthy nodes).
/// </summary>
[Trait("Category", "Unit")]
public sealed class FrameConnectionCancellationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_send_cancelled_while_the_peer_is_not_reading_goes_out_whole_and_later_frames_still_open()
    {
        await using var pair = await LoopbackPair.ConnectAsync();
        var dialerKey = RandomNumberGenerator.GetBytes(FrameSealer.KeySize);
        var listenerKey = RandomNumberGenerator.GetBytes(FrameSealer.KeySize);
        pair.Dialer.Seal(new FrameSealer(dialerKey, listenerKey));
        pair.Listener.Seal(new FrameSealer(listenerKey, dialerKey));

        // Nobody reads on the listener's side: frames fill both sockets' buffers until one blocks.
        var written = new List<byte[]>();
        using var giveUp = new CancellationTokenSource();
        Task? blocked = null;
        for (var i = 0; i < 256 && blocked is null; i++)
        {
            var payload = Pattern(i, pair.Dialer.MaxBodySize);
            written.Add(payload);
            var send = pair.Dialer.WriteFrameAsync(FrameType.StreamData, payload, giveUp.Token).AsTask();
            if (await Task.WhenAny(send, Task.Delay(200, Ct)) != send)
            {
                blocked = send;
            }
        }

        Assert.NotNull(blocked);

        // The caller gives up half-way through that frame, then the peer starts reading again.
        await giveUp.CancelAsync();
        await Task.Delay(200, Ct);
        var reading = ReadAllAsync(pair.Listener, written.Count + 1);
        await blocked.ContinueWith(_ => { }, Ct, TaskContinuationOptions.None, TaskScheduler.Default);
        var last = Pattern(999, 1000);
        written.Add(last);
        await pair.Dialer.WriteFrameAsync(FrameType.StreamData, last, Ct);

        var received = await reading.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.Equal(written.Count, received.Count);
        for (var i = 0; i < written.Count; i++)
        {
            Assert.True(written[i].AsSpan().SequenceEqual(received[i]), $"frame {i} arrives as sent");
        }
    }

    private static async Task<List<byte[]>> ReadAllAsync(FrameConnection connection, int count)
    {
        var frames = new List<byte[]>();
        while (frames.Count < count)
        {
            using var frame = await connection.ReadFrameAsync(Ct) ?? throw new IOException("closed early");
            frames.Add(frame.Payload.ToArray());
        }

        return frames;
    }

    private static byte[] Pattern(int seed, int length)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
