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

    [Fact]
    public void Any_node_identity_decodes_to_itself()
    {
        Gen.Select(Gen.Guid, NodeName).Sample((id, name) =>
        {
            var identity = new NodeIdentity(id, name);

            Assert.Equal(identity, HandshakeIdentity.Decode(HandshakeIdentity.Encode(identity)));
        });
    }

    [Fact]
    public void Any_bytes_are_refused_as_an_identity_or_are_the_encoding_of_the_identity_they_decode_to()
    {
        Gen.Select(Gen.Guid, NodeName, Gen.Byte.Array[0, 4], Gen.Int[0, 90]).Sample((id, name, noise, at) =>
        {
            var bytes = HandshakeIdentity.Encode(new NodeIdentity(id, name)).ToList();
            bytes.InsertRange(Math.Min(at, bytes.Count), noise);

            NodeIdentity decoded;
            try
            {
                decoded = HandshakeIdentity.Decode(bytes.ToArray());
            }
            catch (PeerProtocolException ex)
            {
                Assert.Equal(RejectReason.Malformed, ex.Reason);
                return;
            }

            Assert.Equal(bytes, HandshakeIdentity.Encode(decoded));
        });
    }
}
