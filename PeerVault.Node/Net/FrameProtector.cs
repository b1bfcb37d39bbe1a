using System.Buffers.Binary;
using System.Security.Cryptography;

namespace PeerVault.Node.Net;

/// <summary>
/// Integrity for every frame after the handshake: a 16-byte HMAC-SHA256 tag over
/// <c>[sequence:u64][type:u8][payload]</c> with one key per direction, both derived from the
/// handshake transcript. The implicit sequence number makes dropped, replayed or reordered
/// frames fail verification just like altered ones.
/// </summary>
public sealed class FrameProtector : IDisposable
{
    public const int TagSize = 16;

    private readonly IncrementalHash _send;
    private readonly IncrementalHash _receive;
    private ulong _sendSequence;
    private ulong _receiveSequence;

    public FrameProtector(ReadOnlySpan<byte> sendKey, ReadOnlySpan<byte> receiveKey)
    {
        _send = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, sendKey);
        _receive = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, receiveKey);
    }

    /// <summary>Computes the tag of the next outgoing frame. Callers hold the connection's write lock.</summary>
    public void Sign(FrameType type, ReadOnlySpan<byte> head, ReadOnlySpan<byte> body, Span<byte> tag)
        => Compute(_send, _sendSequence++, type, head, body, tag);

    /// <summary>Checks the tag of the next incoming frame; only the read loop calls this.</summary>
    public void Verify(FrameType type, ReadOnlySpan<byte> body, ReadOnlySpan<byte> tag)
    {
        Span<byte> expected = stackalloc byte[TagSize];
        Compute(_receive, _receiveSequence++, type, body, default, expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, tag))
        {
            throw new PeerProtocolException(RejectReason.BadMac, $"Frame {_receiveSequence - 1} ({type}) failed its integrity check.");
        }
    }

    private static void Compute(IncrementalHash hmac, ulong sequence, FrameType type, ReadOnlySpan<byte> head, ReadOnlySpan<byte> body, Span<byte> tag)
    {
        Span<byte> prefix = stackalloc byte[9];
        BinaryPrimitives.WriteUInt64BigEndian(prefix, sequence);
        prefix[8] = (byte)type;
        hmac.AppendData(prefix);
        hmac.AppendData(head);
        hmac.AppendData(body);
        Span<byte> full = stackalloc byte[32];
        hmac.GetHashAndReset(full);
        full[..TagSize].CopyTo(tag);
    }

    public void Dispose()
    {
        _send.Dispose();
        _receive.Dispose();
    }
}
