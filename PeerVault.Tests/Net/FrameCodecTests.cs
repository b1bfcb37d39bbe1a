using System.Buffers;
using System.Buffers.Binary;
using PeerVault.Node.Net;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Net;

[Trait("Category", "Unit")]
public sealed class FrameCodecTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static byte[] Encode(params (FrameType Type, byte[] Payload)[] frames)
    {
        var writer = new ArrayBufferWriter<byte>();
        foreach (var (type, payload) in frames)
        {
            FrameCodec.WriteHeader(writer, type, payload.Length);
            writer.Write(payload);
        }

        return writer.WrittenSpan.ToArray();
    }

    [Fact]
    public async Task Sealed_frames_arriving_one_byte_at_a_time_are_reassembled_and_opened_exactly()
    {
        var big = new byte[70_000];
        Random.Shared.NextBytes(big);
        byte[] a = [.. Enumerable.Repeat((byte)3, 32)];
        byte[] b = [.. Enumerable.Repeat((byte)4, 32)];
        var wire = new MemoryStream();
        await using (var sender = new FrameConnection(wire))
        {
            sender.Seal(new FrameSealer(a, b));
            await sender.WriteFrameAsync(FrameType.Message, Array.Empty<byte>(), Ct);
            await sender.WriteFrameAsync(FrameType.StreamData, new byte[] { 42 }, Ct);
            await sender.WriteFrameAsync(FrameType.StreamHeader, big, Ct);
        }

        await using var connection = new FrameConnection(new TrickleStream(wire.ToArray(), step: 1));
        connection.Seal(new FrameSealer(b, a));

        using (var empty = await connection.ReadFrameAsync(Ct))
        {
            Assert.Equal(FrameType.Message, empty!.Type);
            Assert.Equal(0, empty.Payload.Length);
        }

        using (var one = await connection.ReadFrameAsync(Ct))
        {
            Assert.Equal(FrameType.StreamData, one!.Type);
            Assert.Equal([42], one.Payload.ToArray());
        }

        using (var large = await connection.ReadFrameAsync(Ct))
        {
            Assert.Equal(FrameType.StreamHeader, large!.Type);
            Assert.Equal(big, large.Payload.ToArray());
        }

        Assert.Null(await connection.ReadFrameAsync(Ct));
    }

    [Fact]
    public async Task Two_frames_in_one_segment_are_both_read_without_waiting_for_more_bytes()
    {
        await using var pair = await LoopbackPair.ConnectAsync();
        var bytes = Encode((FrameType.Message, "first"u8.ToArray()), (FrameType.Message, "second"u8.ToArray()));
        await pair.Dialer.WriteFrameAsync(FrameType.Message, ReadOnlyMemory<byte>.Empty, Ct);
        using (await pair.Listener.ReadFrameAsync(Ct))
        {
        }

        // Both frames in one write on a connection that stays open: the second must not wait for a third.
        await pair.DialerStream.WriteAsync(bytes, Ct);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(5));
        using var first = await pair.Listener.ReadFrameAsync(deadline.Token);
        using var second = await pair.Listener.ReadFrameAsync(deadline.Token);

        Assert.Equal("first"u8.ToArray(), first!.Payload.ToArray());
        Assert.Equal("second"u8.ToArray(), second!.Payload.ToArray());
    }

    [Fact]
    public async Task A_header_claiming_four_gigabytes_is_refused_without_allocating_it()
    {
        byte[] header = [(byte)FrameType.Message, 0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3];
        var before = GC.GetTotalAllocatedBytes(precise: true);
        await using var connection = new FrameConnection(new TrickleStream(header, step: 3));

        var error = await Assert.ThrowsAsync<PeerProtocolException>(async () => await connection.ReadFrameAsync(Ct));

        Assert.Equal(RejectReason.Oversized, error.Reason);
        // Process-wide, and other tests run in parallel: the bound is far below the 4 GiB claimed, far above their noise.
        Assert.True(GC.GetTotalAllocatedBytes(precise: true) - before < 256L << 20, "reading an oversized header must not allocate its claimed length");
    }

    [Fact]
    public async Task A_frame_one_byte_over_the_limit_is_refused()
    {
        var header = new byte[5];
        header[0] = (byte)FrameType.StreamData;
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(1), FrameCodec.MaxPayloadSize + 1);
        await using var connection = new FrameConnection(new MemoryStream(header));

        var error = await Assert.ThrowsAsync<PeerProtocolException>(async () => await connection.ReadFrameAsync(Ct));
        Assert.Equal(RejectReason.Oversized, error.Reason);
    }

    [Fact]
    public void A_frame_of_exactly_the_limit_is_accepted()
    {
        var bytes = Encode((FrameType.StreamData, new byte[FrameCodec.MaxPayloadSize]));
        var sequence = new ReadOnlySequence<byte>(bytes);

        Assert.True(FrameCodec.TryReadFrame(ref sequence, out var type, out var payload));
        Assert.Equal(FrameType.StreamData, type);
        Assert.Equal(FrameCodec.MaxPayloadSize, payload.Length);
        Assert.True(sequence.IsEmpty);
    }

    [Theory]
    [InlineData(0x00)]
    [InlineData(0x05)]
    [InlineData(0x7F)]
    [InlineData(0xFF)]
    public async Task Unknown_frame_types_are_refused(byte type)
    {
        await using var connection = new FrameConnection(new MemoryStream([type, 0, 0, 0, 0]));

        var error = await Assert.ThrowsAsync<PeerProtocolException>(async () => await connection.ReadFrameAsync(Ct));
        Assert.Equal(RejectReason.UnknownType, error.Reason);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(7)]
    public async Task A_connection_that_ends_inside_a_frame_is_a_truncation(int keep)
    {
        var bytes = Encode((FrameType.Message, new byte[10]))[..keep];
        await using var connection = new FrameConnection(new TrickleStream(bytes, step: 2));

        var error = await Assert.ThrowsAsync<PeerProtocolException>(async () => await connection.ReadFrameAsync(Ct));
        Assert.Equal(RejectReason.Truncated, error.Reason);
    }

    [Fact]
    public void Writing_a_payload_over_the_limit_is_refused_before_anything_is_sent()
    {
        var writer = new ArrayBufferWriter<byte>();
        Assert.Throws<ArgumentOutOfRangeException>(() => FrameCodec.WriteHeader(writer, FrameType.Message, FrameCodec.MaxPayloadSize + 1));
        Assert.Equal(0, writer.WrittenCount);
    }

    [Fact]
    public async Task Sealed_frames_round_trip_over_a_socket_and_a_replayed_frame_is_refused()
    {
        await using var pair = await LoopbackPair.ConnectAsync();
        byte[] a = [.. Enumerable.Repeat((byte)1, 32)];
        byte[] b = [.. Enumerable.Repeat((byte)2, 32)];
        pair.Dialer.Seal(new FrameSealer(a, b));
        pair.Listener.Seal(new FrameSealer(b, a));

        await pair.Dialer.WriteFrameAsync(FrameType.Message, "hello"u8.ToArray(), Ct);
        using (var frame = await pair.Listener.ReadFrameAsync(Ct))
        {
            Assert.Equal("hello"u8.ToArray(), frame!.Payload.ToArray());
        }

        // The first frame's exact bytes sent twice: the second is opened with the next nonce and fails.
        await using var replayed = await LoopbackPair.ConnectAsync();
        replayed.Listener.Seal(new FrameSealer(b, a));
        var (sealedBytes, tag) = SealOne(a, FrameType.Message, "hello"u8);
        await replayed.Dialer.WriteFrameAsync(FrameType.Message, sealedBytes, tag, Ct);
        await replayed.Dialer.WriteFrameAsync(FrameType.Message, sealedBytes, tag, Ct);

        using (await replayed.Listener.ReadFrameAsync(Ct))
        {
        }

        var error = await Assert.ThrowsAsync<PeerProtocolException>(async () => await replayed.Listener.ReadFrameAsync(Ct));
        Assert.Equal(RejectReason.BadSeal, error.Reason);
    }

    [Theory]
    [InlineData("a flipped bit in the body", 9)]
    [InlineData("a flipped bit in the tag", -1)]
    [InlineData("another frame type", -2)]
    public async Task An_altered_sealed_frame_is_refused(string alteration, int position)
    {
        await using var pair = await LoopbackPair.ConnectAsync();
        byte[] key = [.. Enumerable.Repeat((byte)7, 32)];
        pair.Listener.Seal(new FrameSealer(key, key));
        var (body, tag) = SealOne(key, FrameType.Message, "transfer 100 to alice"u8);
        var type = FrameType.Message;
        switch (position)
        {
            case >= 0: body[position] ^= 0x01; break;
            case -1: tag[0] ^= 0x80; break;
            default: type = FrameType.StreamHeader; break;
        }

        await pair.Dialer.WriteFrameAsync(type, body, tag, Ct);

        var error = await Assert.ThrowsAsync<PeerProtocolException>(async () => await pair.Listener.ReadFrameAsync(Ct));
        Assert.Equal(RejectReason.BadSeal, error.Reason);
        Assert.NotEmpty(alteration);
    }

    [Fact]
    public async Task Before_the_handshake_seals_a_connection_a_frame_over_1_KiB_is_refused_unread()
    {
        await using var pair = await LoopbackPair.ConnectAsync();
        await pair.Dialer.WriteFrameAsync(FrameType.HandshakeHello, new byte[FrameConnection.MaxHandshakePayloadSize + 1], Ct);

        var error = await Assert.ThrowsAsync<PeerProtocolException>(async () => await pair.Listener.ReadFrameAsync(Ct));
        Assert.Equal(RejectReason.Oversized, error.Reason);
    }

    private static (byte[] Body, byte[] Tag) SealOne(byte[] key, FrameType type, ReadOnlySpan<byte> plaintext)
    {
        using var sealer = new FrameSealer(key, key);
        var body = plaintext.ToArray();
        var tag = new byte[FrameSealer.TagSize];
        sealer.Seal(type, body, tag);
        return (body, tag);
    }
}
