using System.Text;
using CsCheck;
using PeerVault.Node.Net;
using PeerVault.Node.Security;

namespace PeerVault.Tests.Net;

/// <summary>The two handshake codecs: the clear greeting and the sealed identity.</summary>
[Trait("Category", "Unit")]
public sealed class HandshakeMessagesPropertyTests
{
    private static readonly Gen<string> NodeName = Gen.OneOf("n", "node", "é", "日本", "😀", "-", "_", ".", "7")
        .Array[1, 12].Select(pieces => string.Concat(pieces))
        .Where(name => Encoding.UTF8.GetByteCount(name) <= NodeIdentity.MaxNameBytes);

    [Fact]
    public void Any_greeting_decodes_to_itself()
    {
        Gen.Select(Gen.Byte.Array[HandshakeGreeting.NonceSize], Gen.Long).Sample((nonce, millis) =>
        {
            var greeting = new HandshakeGreeting(HandshakeGreeting.CurrentVersion, nonce, millis);

            var decoded = HandshakeGreeting.Decode(greeting.Encode());

            Assert.Equal(greeting.Version, decoded.Version);
            Assert.Equal(nonce, decoded.Nonce);
            Assert.Equal(millis, decoded.UnixMillis);
        });
    }

    /// <summary>1 to 16 distinct cluster key ids (8 bytes each, as hex), the current one first.</summary>
    private static readonly Gen<ClusterKeyIds> KeyIds = Gen.Byte.Array[ClusterKey.KeyIdSize].Array[1, ClusterKeyIds.MaxCount]
        .Select(ids => ids.Select(Convert.ToHexStringLower).Distinct().ToList())
        .Select(ids => new ClusterKeyIds(ids[0], ids[1..]));

    [Fact]
    public void Any_node_identity_and_its_key_ids_decode_to_themselves()
    {
        Gen.Select(Gen.Guid, NodeName, KeyIds).Sample((id, name, keys) =>
        {
            var identity = new NodeIdentity(id, name);

            Assert.Equal((identity, keys), HandshakeIdentity.Decode(HandshakeIdentity.Encode(identity, keys)));
        });
    }

    [Fact]
    public void Any_bytes_are_refused_as_an_identity_or_are_the_encoding_of_the_identity_they_decode_to()
    {
        Gen.Select(Gen.Guid, NodeName, KeyIds, Gen.Byte.Array[0, 9], Gen.Int[0, 220]).Sample((id, name, keys, noise, at) =>
        {
            var bytes = HandshakeIdentity.Encode(new NodeIdentity(id, name), keys).ToList();
            bytes.InsertRange(Math.Min(at, bytes.Count), noise);

            (NodeIdentity Identity, ClusterKeyIds Keys) decoded;
            try
            {
                decoded = HandshakeIdentity.Decode(bytes.ToArray());
            }
            catch (PeerProtocolException ex)
            {
                Assert.Equal(RejectReason.Malformed, ex.Reason);
                return;
            }

            Assert.Equal(bytes, HandshakeIdentity.Encode(decoded.Identity, decoded.Keys));
        });
    }
}
