using System.Buffers;
using CsCheck;
using PeerVault.Node.Net;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Net;

/// <summary>Properties of the frame codec and of sealed frames, over generated frames.</summary>
[Trait("Category", "Unit")]
public sealed class FrameCodecPropertyTests
{
    private static readonly byte[] KeyA = [.. Enumerable.Repeat((byte)3, 32)];
    private static readonly byte[] KeyB = [.. Enumerable.Repeat((byte)4, 32)];

    private static readonly Gen<(FrameType Type, byte[] Payload)> Frame =
        Gen.Select(Gen.Enum<FrameType>(), Gen.Byte.Array[0, 300]);

    private static readonly Gen<(FrameType Type, byte[] Payload)[]> Frames = Frame.Array[1, 5];

    [Fact]
    public void Any_frames_parse_back_to_themselves_however_the_bytes_are_split()
    {
        Gen.Select(Frames, Gen.Int[1, 64]).Sample((frames, segment) =>
        {
            var writer = new ArrayBufferWriter<byte>();
            foreach (var (type, payload) in frames)
            {
                FrameCodec.WriteHeader(writer, type, payload.Length);
                writer.Write(payload);
            }

            var buffer = Segmented(writer.WrittenSpan.ToArray(), segment);
            foreach (var (type, payload) in frames)
            {
                Assert.True(FrameCodec.TryReadFrame(ref buffer, out var readType, out var readPayload));
                Assert.Equal(type, readType);
                Assert.Equal(payload, readPayload.ToArray());
            }

            Assert.True(buffer.IsEmpty);
        });
    }

    [Fact]
    public void Any_sealed_frames_open_to_themselves_in_order()
    {
        Frames.Sample(frames =>
        {
            var (opened, failure) = ReadSealed(Seal(frames));
            Assert.Null(failure);
            Assert.Equal(frames.Select(f => f.Type), opened.Select(f => f.Type));
            Assert.Equal(frames.Select(f => f.Payload), opened.Select(f => f.Payload));
        });
    }

    [Fact]
    public void Sealed_frames_cut_anywhere_deliver_only_the_whole_frames_before_the_cut()
    {
        Gen.Select(Frames, Gen.Double[0, 1]).Sample((frames, fraction) =>
        {
            var wire = Seal(frames);
            var cut = (int)(fraction * (wire.Length - 1));
            var (opened, failure) = ReadSealed(wire[..cut]);

            // Whole frames before the cut open; the one it cuts is refused, never delivered short.
            Assert.True(opened.Count < frames.Length);
            Assert.Equal(frames.Take(opened.Count).Select(f => f.Payload), opened.Select(f => f.Payload));
            Assert.True(failure is not null || WholeFramesIn(wire, cut) == opened.Count);
            if (failure is not null)
            {
                Assert.Equal(RejectReason.Truncated, failure.Reason);
            }
        });
    }

    [Fact]
    public void Any_single_byte_change_of_a_sealed_frame_is_refused()
    {
        Gen.Select(Frame, Gen.Int[0, int.MaxValue], Gen.Byte[1, 255]).Sample((frame, position, flip) =>
        {
            var wire = Seal([frame]);
            wire[position % wire.Length] ^= flip;

            var (opened, failure) = ReadSealed(wire);

            Assert.Empty(opened);
            Assert.NotNull(failure);
        });
    }

    private static byte[] Seal((FrameType Type, byte[] Payload)[] frames)
    {
        var wire = new MemoryStream();
        var sender = new FrameConnection(wire);
        sender.Seal(new FrameSealer(KeyA, KeyB));
        foreach (var (type, payload) in frames)
        {
            sender.WriteFrameAsync(type, payload, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        }

        return wire.ToArray();
    }

    /// <summary>Reads sealed frames until the end or the first refusal.</summary>
    private static (List<(FrameType Type, byte[] Payload)> Opened, PeerProtocolException? Failure) ReadSealed(byte[] wire)
    {
        var opened = new List<(FrameType, byte[])>();
        var receiver = new FrameConnection(new TrickleStream(wire, step: 7));
        receiver.Seal(new FrameSealer(KeyB, KeyA));
        try
        {
            while (receiver.ReadFrameAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult() is { } frame)
            {
                using (frame)
                {
                    opened.Add((frame.Type, frame.Payload.ToArray()));
                }
            }

            return (opened, null);
        }
        catch (PeerProtocolException ex)
        {
            return (opened, ex);
        }
    }

    private static int WholeFramesIn(byte[] wire, int length)
    {
        var buffer = new ReadOnlySequence<byte>(wire, 0, length);
        var count = 0;
        while (FrameCodec.TryReadFrame(ref buffer, out _, out _))
        {
            count++;
        }

        return count;
    }

    private static ReadOnlySequence<byte> Segmented(byte[] bytes, int size)
    {
        if (bytes.Length <= size)
        {
            return new ReadOnlySequence<byte>(bytes);
        }

        var first = new Segment(bytes.AsMemory(0, size), 0);
        var last = first;
        for (var offset = size; offset < bytes.Length; offset += size)
        {
            last = last.Append(bytes.AsMemory(offset, Math.Min(size, bytes.Length - offset)));
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
