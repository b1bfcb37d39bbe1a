using CsCheck;
using PeerVault.Node.Net;
using PeerVault.Node.Net.Rpc;

namespace PeerVault.Tests.Net.Rpc;

/// <summary>The peer message codec over every message type.</summary>
[Trait("Category", "Unit")]
public sealed class EnvelopeCodecPropertyTests
{
    [Fact]
    public void Any_message_decodes_to_itself()
    {
        PeerMessageGen.Envelope.Sample(envelope =>
        {
            var encoded = EnvelopeCodec.Encode(envelope);
            var decoded = EnvelopeCodec.Decode(encoded, FrameType.Message);

            Assert.Equivalent(envelope, decoded, strict: true);
            Assert.Equal(envelope.Body.GetType(), decoded.Body.GetType());
            Assert.Equal(encoded, EnvelopeCodec.Encode(decoded));
        });
    }

    [Fact]
    public void Any_cut_of_a_message_is_refused_as_malformed()
    {
        Gen.Select(PeerMessageGen.Envelope, Gen.Double[0, 1]).Sample((envelope, fraction) =>
        {
            var encoded = EnvelopeCodec.Encode(envelope);
            var cut = encoded[..(int)(fraction * (encoded.Length - 1))];

            var refused = Assert.Throws<PeerProtocolException>(() => EnvelopeCodec.Decode(cut, FrameType.Message));
            Assert.Equal(RejectReason.Malformed, refused.Reason);
        });
    }
}
