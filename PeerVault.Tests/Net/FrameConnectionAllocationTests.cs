using PeerVault.Node.Net;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Net;

/// <summary>
/// Sealed frames cost no garbage per frame to send, and only the <see cref="Frame"/> handle itself
/// to receive (its payload buffer is pooled). Measured with
/// <see cref="GC.GetAllocatedBytesForCurrentThread"/> around writes to <see cref="Stream.Null"/> and
/// reads from a memory stream, which complete synchronously on the test's thread; the least of a few
/// runs after a warm-up is kept. Over sockets, PeerVault.Benchmarks shows the same. Release builds
/// only (see <see cref="ThreadAllocation.SkipUnlessOptimized"/>).
/// </summary>
[Trait("Category", "Unit")]
public sealed class FrameConnectionAllocationTests
{
    private const int FewFrames = 8;
    private const int ManyFrames = 128;
    private const int PayloadSize = 64 * 1024;

    private static readonly byte[] SendKey = [.. Enumerable.Repeat((byte)5, FrameSealer.KeySize)];
    private static readonly byte[] ReceiveKey = [.. Enumerable.Repeat((byte)6, FrameSealer.KeySize)];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Sending_sealed_frames_allocates_nothing_per_frame()
    {
        ThreadAllocation.SkipUnlessOptimized(typeof(FrameConnection).Assembly);
        await using var connection = new FrameConnection(Stream.Null);
        connection.Seal(new FrameSealer(SendKey, ReceiveKey));
        var payload = new byte[PayloadSize];

        long Send(int frames) => ThreadAllocation.Least(() =>
        {
            for (var i = 0; i < frames; i++)
            {
                var write = connection.WriteFrameAsync(FrameType.StreamData, payload, Ct);
                Assert.True(write.IsCompletedSuccessfully, "A write to Stream.Null completes at once.");
            }
        });

        var growth = Send(ManyFrames) - Send(FewFrames);
        Assert.True(growth < 1024, $"Sending {ManyFrames - FewFrames} more frames allocated {growth} more bytes.");
    }

    [Fact]
    public void Receiving_sealed_frames_allocates_only_the_frame_handle_per_frame()
    {
        ThreadAllocation.SkipUnlessOptimized(typeof(FrameConnection).Assembly);
        var few = Encode(FewFrames);
        var many = Encode(ManyFrames);

        long Receive(byte[] wire) => ThreadAllocation.Least(() =>
        {
            var connection = new FrameConnection(new MemoryStream(wire, writable: false));
            connection.Seal(new FrameSealer(ReceiveKey, SendKey));
            ValueTask<Frame?> read;
            while ((read = connection.ReadFrameAsync(Ct)).IsCompletedSuccessfully && read.Result is { } frame)
            {
                frame.Dispose();
            }

            Assert.True(read.IsCompletedSuccessfully, "Reads from a memory stream complete at once.");
            connection.DisposeAsync().AsTask().GetAwaiter().GetResult();
        });

        // A Frame is a type, a length and a buffer reference: well under 64 bytes on a 64-bit runtime.
        var perFrame = (Receive(many) - Receive(few)) / (double)(ManyFrames - FewFrames);
        Assert.True(perFrame < 64, $"Receiving allocated {perFrame:0.#} bytes per frame.");
    }

    private static byte[] Encode(int frames)
    {
        var wire = new MemoryStream();
        var sender = new FrameConnection(wire);
        sender.Seal(new FrameSealer(SendKey, ReceiveKey));
        var payload = new byte[PayloadSize];
        for (var i = 0; i < frames; i++)
        {
            sender.WriteFrameAsync(FrameType.StreamData, payload, Ct).AsTask().GetAwaiter().GetResult();
        }

        var bytes = wire.ToArray();
        sender.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return bytes;
    }
}
