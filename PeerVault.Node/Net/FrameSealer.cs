using System.Buffers.Binary;
using System.Security.Cryptography;

namespace PeerVault.Node.Net;

/// <summary>
/// Confidentiality and integrity for every frame after the handshake: the payload is sealed with
/// AES-256-GCM under one key per direction (both derived from the handshake transcript, so fresh
/// for every connection), with the frame's type as associated data and the frame's position in its
/// direction as the nonce. Nothing on the wire repeats a nonce under a key, and a dropped,
/// replayed, reordered, truncated or altered frame fails to open. The 5-byte frame header stays in
/// clear: an observer sees frame types and sizes, never their contents.
/// </summary>
public sealed class FrameSealer : IDisposable
{
    public const int TagSize = 16;
    public const int KeySize = 32;
    private const int NonceSize = 12;

    private readonly AesGcm _send;
    private readonly AesGcm _receive;
    private ulong _sendCounter;
    private ulong _receiveCounter;

    public FrameSealer(ReadOnlySpan<byte> sendKey, ReadOnlySpan<byte> receiveKey)
    {
        _send = new AesGcm(sendKey, TagSize);
        _receive = new AesGcm(receiveKey, TagSize);
    }

    /// <summary>Encrypts the next outgoing frame's payload in place and writes its tag. Callers hold the connection's write lock.</summary>
    public void Seal(FrameType type, Span<byte> payload, Span<byte> tag)
    {
        Span<byte> nonce = stackalloc byte[NonceSize];
        Next(ref _sendCounter, nonce);
        ReadOnlySpan<byte> associated = [(byte)type];
        _send.Encrypt(nonce, payload, payload, tag, associated);
    }

    /// <summary>Decrypts the next incoming frame's payload in place; only the read loop calls this.</summary>
    public void Open(FrameType type, Span<byte> payload, ReadOnlySpan<byte> tag)
    {
        Span<byte> nonce = stackalloc byte[NonceSize];
        var sequence = _receiveCounter;
        Next(ref _receiveCounter, nonce);
        ReadOnlySpan<byte> associated = [(byte)type];
        try
        {
            _receive.Decrypt(nonce, payload, tag, payload, associated);
        }
        catch (AuthenticationTagMismatchException)
        {
            payload.Clear();
            throw new PeerProtocolException(RejectReason.BadSeal, $"Frame {sequence} ({type}) failed to open: altered, replayed, reordered or sealed under another key.");
        }
    }

    private static void Next(ref ulong counter, Span<byte> nonce)
    {
        // 2^64 frames is centuries at line rate, but a wrapped counter would reuse nonces: refuse it.
        if (counter == ulong.MaxValue)
        {
            throw new PeerProtocolException(RejectReason.BadSeal, "The connection has used every frame nonce; reconnect.");
        }

        nonce[..4].Clear();
        BinaryPrimitives.WriteUInt64BigEndian(nonce[4..], counter++);
    }

    public void Dispose()
    {
        _send.Dispose();
        _receive.Dispose();
    }
}
