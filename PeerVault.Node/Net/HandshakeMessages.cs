using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using PeerVault.Node.Security;

namespace PeerVault.Node.Net;

/// <summary>
/// The clear part of the first two handshake messages: <c>[version:u16][nonce:32][unixMillis:i64]</c>.
/// It names nothing: which node is speaking is only said, sealed, once the other side has proven the
/// token. The version comes first in every protocol version, so a node always understands enough of
/// a peer's greeting to refuse a version it does not speak by name. The encoded bytes, not a
/// re-encoding, go into the transcript.
/// </summary>
internal sealed record HandshakeGreeting(ushort Version, byte[] Nonce, long UnixMillis)
{
    public const ushort CurrentVersion = 5;
    public const int NonceSize = 32;
    public const int Size = 2 + NonceSize + 8;

    public static HandshakeGreeting Create(TimeProvider time)
        => new(CurrentVersion, RandomNumberGenerator.GetBytes(NonceSize), time.GetUtcNow().ToUnixTimeMilliseconds());

    public byte[] Encode()
    {
        var bytes = new byte[Size];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, Version);
        Nonce.CopyTo(bytes, 2);
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(2 + NonceSize), UnixMillis);
        return bytes;
    }

    /// <summary>
    /// Decodes a greeting from the front of <paramref name="payload"/>. A different version is
    /// refused before its layout is trusted, so a newer or older peer gets "version X" and not "malformed".
    /// </summary>
    public static HandshakeGreeting Decode(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < 2)
        {
            throw new PeerProtocolException(RejectReason.Malformed, "Handshake greeting is too short to carry a version.");
        }

        var version = BinaryPrimitives.ReadUInt16BigEndian(payload);
        if (version != CurrentVersion)
        {
            throw new PeerProtocolException(RejectReason.VersionMismatch, $"Peer speaks protocol version {version}; this node speaks {CurrentVersion}.");
        }

        if (payload.Length < Size)
        {
            throw new PeerProtocolException(RejectReason.Malformed, "Handshake greeting is too short.");
        }

        return new HandshakeGreeting(version, payload.Slice(2, NonceSize).ToArray(), BinaryPrimitives.ReadInt64BigEndian(payload[(2 + NonceSize)..]));
    }
}

/// <summary>
/// Who a node is and which cluster keys it holds, as it says so inside a sealed handshake message:
/// <c>[nodeId:16][nameLength:u8][name:utf8][keyCount:u8][keyId:8]×keyCount</c>, the current key id
/// first. Key ids are public fingerprints, sealed here only because nothing identifying a node
/// crosses before the token is proven.
/// </summary>
internal static class HandshakeIdentity
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static byte[] Encode(NodeIdentity identity, ClusterKeyIds keys)
    {
        var name = Encoding.UTF8.GetBytes(identity.Name);
        if (name.Length > NodeIdentity.MaxNameBytes)
        {
            throw new InvalidOperationException($"Node name is longer than {NodeIdentity.MaxNameBytes} bytes.");
        }

        var ids = keys.All.Select(Convert.FromHexString).ToList();
        if (ids.Count > ClusterKeyIds.MaxCount || ids.Any(id => id.Length != ClusterKey.KeyIdSize))
        {
            throw new InvalidOperationException($"A node says it holds 1 to {ClusterKeyIds.MaxCount} cluster keys, each named by {ClusterKey.KeyIdSize} bytes.");
        }

        var bytes = new byte[16 + 1 + name.Length + 1 + (ids.Count * ClusterKey.KeyIdSize)];
        identity.Id.TryWriteBytes(bytes, bigEndian: true, out _);
        bytes[16] = (byte)name.Length;
        name.CopyTo(bytes, 17);
        var at = 17 + name.Length;
        bytes[at++] = (byte)ids.Count;
        foreach (var id in ids)
        {
            id.CopyTo(bytes, at);
            at += id.Length;
        }

        return bytes;
    }

    public static (NodeIdentity Identity, ClusterKeyIds Keys) Decode(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < 17 || payload[16] > NodeIdentity.MaxNameBytes || payload.Length < 17 + payload[16] + 1)
        {
            throw new PeerProtocolException(RejectReason.Malformed, "Handshake identity has a bad length.");
        }

        var nameEnd = 17 + payload[16];
        var keyCount = payload[nameEnd];
        if (keyCount is 0 or > ClusterKeyIds.MaxCount || payload.Length != nameEnd + 1 + (keyCount * ClusterKey.KeyIdSize))
        {
            throw new PeerProtocolException(RejectReason.Malformed, $"Handshake identity must name 1 to {ClusterKeyIds.MaxCount} cluster key ids and nothing after them.");
        }

        string name;
        try
        {
            name = StrictUtf8.GetString(payload[17..nameEnd]);
        }
        catch (DecoderFallbackException)
        {
            throw new PeerProtocolException(RejectReason.Malformed, "Handshake identity node name is not UTF-8.");
        }

        if (name.Length == 0 || name.Any(char.IsControl))
        {
            throw new PeerProtocolException(RejectReason.Malformed, "Handshake identity has an empty node name or one with control characters.");
        }

        var ids = new List<string>(keyCount);
        for (var i = 0; i < keyCount; i++)
        {
            ids.Add(Convert.ToHexStringLower(payload.Slice(nameEnd + 1 + (i * ClusterKey.KeyIdSize), ClusterKey.KeyIdSize)));
        }

        if (ids.Distinct(StringComparer.Ordinal).Count() != ids.Count)
        {
            throw new PeerProtocolException(RejectReason.Malformed, "Handshake identity names a cluster key id twice.");
        }

        return (new NodeIdentity(new Guid(payload[..16], bigEndian: true), name), new ClusterKeyIds(ids[0], ids[1..]));
    }
}
