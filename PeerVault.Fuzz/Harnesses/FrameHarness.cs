using System.Buffers;
using PeerVault.Node.Net;

namespace PeerVault.Fuzz.Harnesses;

/// <summary>
/// The frame decoder. Input: <c>[mode][wire bytes]</c>; mode bit 0 picks a sealed connection, the
/// other bits how many bytes each network read delivers (1 to 128). The bytes are parsed by
/// <see cref="FrameCodec"/> over a buffer of that many bytes a segment and read by a
/// <see cref="FrameConnection"/>; both must refuse only with <see cref="PeerProtocolException"/>,
/// agree frame for frame, and every parsed frame must re-encode to exactly the bytes it was parsed
/// from. Sealed: a frame that opens must be exactly what the sender would have sealed at that
/// position (nothing altered, replayed or reordered opens), and a parsed frame that does not open
/// is refused as a bad seal.
/// </summary>
internal sealed class FrameHarness : IHarness
{
    private static readonly byte[] DialerKey = [.. Enumerable.Repeat((byte)0xA1, FrameSealer.KeySize)];
    private static readonly byte[] ListenerKey = [.. Enumerable.Repeat((byte)0xB2, FrameSealer.KeySize)];

    public string Name => "frame";

    public string Description => "frame decoder (FrameCodec, FrameConnection, FrameSealer): refuses only with PeerProtocolException, parse/re-encode identical, only untouched sealed frames open";

    public void Run(ReadOnlySpan<byte> input)
    {
        if (input.IsEmpty)
        {
            return;
        }

        var isSealed = (input[0] & 1) == 1;
        var step = 1 + (input[0] >> 1);
        var wire = input[1..].ToArray();
        var parsed = Parse(wire, step, isSealed ? FrameCodec.MaxPayloadSize : FrameConnection.MaxHandshakePayloadSize);
        var read = ReadAll(wire, step, isSealed);
        FuzzFinding.Check(read.Frames.Count <= parsed.Frames.Count, "The connection returned more frames than the codec parsed.");
        if (isSealed)
        {
            CheckSealed(parsed, read);
        }
        else
        {
            CheckClear(parsed, read);
        }
    }

    private static void CheckClear(Parsed parsed, Read read)
    {
        for (var i = 0; i < read.Frames.Count; i++)
        {
            var (type, payload) = read.Frames[i];
            FuzzFinding.Check(type == parsed.Frames[i].Type && payload.AsSpan().SequenceEqual(parsed.Frames[i].Payload), $"Frame {i}: the connection and the codec disagree.");
        }

        if (read.Failure is null)
        {
            FuzzFinding.Check(parsed.Failure is null && parsed.Rest == 0 && read.Frames.Count == parsed.Frames.Count, "The connection ended cleanly where the codec saw a bad or partial frame.");
        }
        else if (read.Failure.Reason == RejectReason.Truncated)
        {
            FuzzFinding.Check(parsed.Failure is null && parsed.Rest > 0, "The connection said truncated where the codec did not.");
        }
        else
        {
            FuzzFinding.Check(parsed.Failure?.Reason == read.Failure.Reason && read.Frames.Count == parsed.Frames.Count, $"The connection refused with {read.Failure.Reason}, the codec with {parsed.Failure?.Reason.ToString() ?? "nothing"}.");
        }
    }

    private static void CheckSealed(Parsed parsed, Read read)
    {
        // Every frame that opened re-seals (same keys, same position) to exactly its wire bytes.
        for (var i = 0; i < read.Frames.Count; i++)
        {
            var (type, plaintext) = read.Frames[i];
            FuzzFinding.Check(Reseal(i, type, plaintext).AsSpan().SequenceEqual(parsed.Frames[i].Wire), $"Sealed frame {i} opened but is not what the sender sealed at that position.");
        }

        if (read.Failure is { } failure && read.Frames.Count < parsed.Frames.Count)
        {
            FuzzFinding.Check(failure.Reason == RejectReason.BadSeal, $"A whole sealed frame was refused with {failure.Reason}, not BadSeal.");
        }
    }

    /// <summary>What the sender writes as frame <paramref name="index"/> of its direction.</summary>
    internal static byte[] Reseal(int index, FrameType type, byte[] plaintext)
    {
        using var sender = new FrameSealer(DialerKey, ListenerKey);
        var tag = new byte[FrameSealer.TagSize];
        for (var i = 0; i < index; i++)
        {
            sender.Seal(type, [], tag);
        }

        var writer = new ArrayBufferWriter<byte>();
        FrameCodec.WriteHeader(writer, type, plaintext.Length + FrameSealer.TagSize);
        var body = writer.GetSpan(plaintext.Length + FrameSealer.TagSize)[..(plaintext.Length + FrameSealer.TagSize)];
        plaintext.CopyTo(body);
        sender.Seal(type, body[..plaintext.Length], body[plaintext.Length..]);
        writer.Advance(body.Length);
        return writer.WrittenSpan.ToArray();
    }

    private static Parsed Parse(byte[] wire, int step, int limit)
    {
        var buffer = Segments.Of(wire, step);
        var frames = new List<RawFrame>();
        try
        {
            while (true)
            {
                var before = buffer;
                if (!FrameCodec.TryReadFrame(ref buffer, limit, out var type, out var payload))
                {
                    return new Parsed(frames, null, buffer.Length);
                }

                FuzzFinding.Check(Enum.IsDefined(type) && payload.Length <= limit, $"Parsed a {type} frame of {payload.Length} bytes over a {limit}-byte limit.");
                var consumed = before.Slice(0, before.Length - buffer.Length).ToArray();
                var writer = new ArrayBufferWriter<byte>();
                FrameCodec.WriteHeader(writer, type, (int)payload.Length);
                writer.Write(payload.ToArray());
                FuzzFinding.Check(writer.WrittenSpan.SequenceEqual(consumed), "A parsed frame does not re-encode to the bytes it was parsed from.");
                frames.Add(new RawFrame(type, payload.ToArray(), consumed));
            }
        }
        catch (PeerProtocolException ex)
        {
            return new Parsed(frames, ex, buffer.Length);
        }
    }

    private static Read ReadAll(byte[] wire, int step, bool isSealed)
    {
        var frames = new List<(FrameType, byte[])>();
        var connection = new FrameConnection(ScriptedStream.Of(wire, step));
        if (isSealed)
        {
            connection.Seal(new FrameSealer(ListenerKey, DialerKey));
        }

        try
        {
            while (connection.ReadFrameAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult() is { } frame)
            {
                using (frame)
                {
                    frames.Add((frame.Type, frame.Payload.ToArray()));
                }
            }

            return new Read(frames, null);
        }
        catch (PeerProtocolException ex)
        {
            return new Read(frames, ex);
        }
        finally
        {
            connection.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    public IEnumerable<(string Name, byte[] Bytes)> Seeds()
    {
        var clear = new ArrayBufferWriter<byte>();
        foreach (var (type, payload) in SamplePayloads())
        {
            FrameCodec.WriteHeader(clear, type, payload.Length);
            clear.Write(payload);
        }

        yield return ("clear-frames", [0x00, .. clear.WrittenSpan]);
        yield return ("clear-frames-trickled", [0x06, .. clear.WrittenSpan]);

        var sealedWire = new ArrayBufferWriter<byte>();
        var index = 0;
        foreach (var (type, payload) in SamplePayloads())
        {
            sealedWire.Write(Reseal(index++, type, payload));
        }

        yield return ("sealed-frames", [0x01, .. sealedWire.WrittenSpan]);
        yield return ("sealed-frames-trickled", [0x0B, .. sealedWire.WrittenSpan]);
    }

    private static IEnumerable<(FrameType, byte[])> SamplePayloads()
    {
        yield return (FrameType.Message, "{\"id\":1,\"replyTo\":0,\"body\":{\"$type\":\"ping\"}}"u8.ToArray());
        yield return (FrameType.StreamData, [0, 0, 0, 2, 1, 2, 3]);
        yield return (FrameType.StreamEnd, [0, 0, 0, 2, 0]);
        yield return (FrameType.HandshakeHello, new byte[42]);
    }

    private sealed record RawFrame(FrameType Type, byte[] Payload, byte[] Wire);

    private sealed record Parsed(List<RawFrame> Frames, PeerProtocolException? Failure, long Rest);

    private sealed record Read(List<(FrameType Type, byte[] Payload)> Frames, PeerProtocolException? Failure);
}
