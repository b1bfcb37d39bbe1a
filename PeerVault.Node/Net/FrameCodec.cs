using System.Buffers;
using System.Buffers.Binary;

namespace PeerVault.Node.Net;

/// <summary>
/// <c>[type:u8][length:u32 big-endian][payload:length]</c>. Parsing works on whatever bytes have
/// arrived so far: the length is checked against <see cref="MaxPayloadSize"/> before anything is
/// allocated, so a header claiming 4 GiB costs nothing but the closed connection.
/// </summary>
public static class FrameCodec
{
    public const int HeaderSize = 5;

    /// <summary>1 MiB: the largest payload a frame may carry, seal tag included.</summary>
    public const int MaxPayloadSize = 1 << 20;

    /// <summary>
    /// Takes one whole frame off the front of <paramref name="buffer"/>, or returns false when
    /// more bytes are needed. Throws <see cref="PeerProtocolException"/> as soon as the
    /// header shows an unknown type or a length over <paramref name="maxPayload"/>.
    /// </summary>
    public static bool TryReadFrame(ref ReadOnlySequence<byte> buffer, int maxPayload, out FrameType type, out ReadOnlySequence<byte> payload)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxPayload, MaxPayloadSize);
        type = default;
        payload = default;
        if (buffer.Length < HeaderSize)
        {
            return false;
        }

        Span<byte> header = stackalloc byte[HeaderSize];
        buffer.Slice(0, HeaderSize).CopyTo(header);
        type = (FrameType)header[0];
        if (!Enum.IsDefined(type))
        {
            throw new PeerProtocolException(RejectReason.UnknownType, $"Unknown frame type 0x{header[0]:x2}.");
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
        if (length > maxPayload)
        {
            throw new PeerProtocolException(RejectReason.Oversized, $"Frame of {length} bytes exceeds the {maxPayload}-byte limit.");
        }

        if (buffer.Length < HeaderSize + length)
        {
            return false;
        }

        payload = buffer.Slice(HeaderSize, length);
        buffer = buffer.Slice(HeaderSize + length);
        return true;
    }

    /// <summary>Reads a frame of up to <see cref="MaxPayloadSize"/>.</summary>
    public static bool TryReadFrame(ref ReadOnlySequence<byte> buffer, out FrameType type, out ReadOnlySequence<byte> payload)
        => TryReadFrame(ref buffer, MaxPayloadSize, out type, out payload);

    /// <summary>Writes the 5-byte header for a payload of <paramref name="length"/> bytes.</summary>
    public static void WriteHeader(IBufferWriter<byte> writer, FrameType type, int length)
    {
        if ((uint)length > MaxPayloadSize)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, $"A frame payload is at most {MaxPayloadSize} bytes.");
        }

        var span = writer.GetSpan(HeaderSize);
        span[0] = (byte)type;
        BinaryPrimitives.WriteUInt32BigEndian(span[1..], (uint)length);
        writer.Advance(HeaderSize);
    }
}
