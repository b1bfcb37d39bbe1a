using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using PeerVault.Node.Security;


namespace PeerVault.Node.Net;

/// <summary>
/// What each side announces in the handshake:
/// <c>[version:u16][nodeId:16][nameLength:u8][name:utf8][nonce:32][unixMillis:i64]</c>.
/// The encoded bytes, not a re-encoding, go into the transcript the proofs cover.
/// </summary>
internal sealed record HandshakeHello(ushort Version, Guid NodeId, string NodeName, byte[] Nonce, long UnixMillis)
{
    public const ushort CurrentVersion = 2;
    public const int NonceSize = 32;

    public static HandshakeHello Create(NodeIdentity self, TimeProvider time)
        => new(CurrentVersion, self.Id, self.Name, RandomNumberGenerator.GetBytes(NonceSize), time.GetUtcNow().ToUnixTimeMilliseconds());

    public byte[] Encode()
    {
        var name = Encoding.UTF8.GetBytes(NodeName);
        if (name.Length > NodeIdentity.MaxNameBytes)
        {
            throw new InvalidOperationException($"Node name is longer than {NodeIdentity.MaxNameBytes} bytes.");
        }

        var bytes = new byte[2 + 16 + 1 + name.Length + NonceSize + 8];
        var span = bytes.AsSpan();
        BinaryPrimitives.WriteUInt16BigEndian(span, Version);
        NodeId.TryWriteBytes(span[2..], bigEndian: true, out _);
        span[18] = (byte)name.Length;
        name.CopyTo(span[19..]);
        Nonce.CopyTo(span[(19 + name.Length)..]);
        BinaryPrimitives.WriteInt64BigEndian(span[(19 + name.Length + NonceSize)..], UnixMillis);
        return bytes;
    }

    /// <summary>Decodes a hello from the front of <paramref name="payload"/>; returns how many bytes it used.</summary>
    public static HandshakeHello Decode(ReadOnlySpan<byte> payload, out int consumed)
    {
        const int fixedSize = 2 + 16 + 1 + NonceSize + 8;
        if (payload.Length < fixedSize)
        {
            throw new PeerProtocolException(RejectReason.Malformed, "Handshake hello is too short.");
        }

        var version = BinaryPrimitives.ReadUInt16BigEndian(payload);
        var nodeId = new Guid(payload.Slice(2, 16), bigEndian: true);
        int nameLength = payload[18];
        if (nameLength > NodeIdentity.MaxNameBytes || payload.Length < fixedSize + nameLength)
        {
            throw new PeerProtocolException(RejectReason.Malformed, "Handshake hello has a bad node name length.");
        }

        string name;
        try
        {
            name = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(payload.Slice(19, nameLength));
        }
        catch (DecoderFallbackException)
        {
            throw new PeerProtocolException(RejectReason.Malformed, "Handshake hello node name is not UTF-8.");
        }

        var nonce = payload.Slice(19 + nameLength, NonceSize).ToArray();
        var millis = BinaryPrimitives.ReadInt64BigEndian(payload[(19 + nameLength + NonceSize)..]);
        consumed = fixedSize + nameLength;
        return new HandshakeHello(version, nodeId, name, nonce, millis);
    }
}
