using System.Buffers.Binary;
using System.Text;
using PeerVault.Node.Net;
using PeerVault.Node.Net.Rpc;
using PeerVault.Node.Security;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Net;

/// <summary>Inputs the fuzzing harnesses (PeerVault.Fuzz) found crashing, minimised; each must now be refused as a protocol violation.</summary>
[Trait("Category", "Unit")]
public sealed class FuzzRegressionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>
    /// handshake harness: a hello whose time is 0x3030303030303030 ms threw OverflowException while
    /// the listener measured the clock skew, before the dialer had proven anything.
    /// </summary>
    [Fact]
    public async Task A_hello_from_the_far_future_is_refused_for_clock_skew()
    {
        await using var pair = await LoopbackPair.ConnectAsync();
        var listener = new Handshake(new NodeIdentity(Guid.NewGuid(), "listener"), ClusterKeyIds.Of(ClusterKey.Generate()), AuthToken.Parse("correct horse battery staple"), TimeProvider.System, new ReplayCache(TimeProvider.System, Handshake.MaxClockSkew));
        var accept = listener.AcceptAsync(pair.Listener, Ct);

        var hello = new byte[2 + 32 + 8];
        BinaryPrimitives.WriteUInt16BigEndian(hello, HandshakeGreeting.CurrentVersion);
        hello.AsSpan(2).Fill((byte)'0'); // nonce and time all '0' (0x30): the time is 0x3030303030303030 ms
        await pair.Dialer.WriteFrameAsync(FrameType.HandshakeHello, hello, Ct);

        var refused = await Assert.ThrowsAsync<PeerProtocolException>(() => accept);
        Assert.Equal(RejectReason.ClockSkew, refused.Reason);
    }

    /// <summary>
    /// messages harness: a message missing a field, or with null where its type has none, decoded
    /// and reached code that dereferences it (a null body or entry, a null in a list of members).
    /// </summary>
    [Theory]
    [InlineData("""{"id":7,"replyTo":0,"traceParent":null,"traceState":null}""")]
    [InlineData("""{"id":7,"replyTo":0,"traceParent":null,"traceState":null,"body":null}""")]
    [InlineData("""{"id":7,"traceParent":null,"traceState":null,"body":{"$type":"ping"}}""")]
    [InlineData("""{"id":7,"replyTo":0,"traceParent":null,"traceState":null,"body":{"$type":"get-entry"}}""")]
    [InlineData("""{"id":7,"replyTo":0,"traceParent":null,"traceState":null,"body":{"$type":"get-entry","key":null}}""")]
    [InlineData("""{"id":7,"replyTo":0,"traceParent":null,"traceState":null,"body":{"$type":"store-replica","entry":null}}""")]
    [InlineData("""{"id":7,"replyTo":0,"traceParent":null,"traceState":null,"body":{"$type":"store-tombstone","entry":{"key":"k","blobId":null,"size":0,"sealedLength":0,"deleted":true,"updatedAt":"2026-01-01T00:00:00+00:00"}}}""")]
    [InlineData("""{"id":7,"replyTo":0,"traceParent":null,"traceState":null,"body":{"$type":"error","message":"N"}}""")]
    [InlineData("""{"id":7,"replyTo":0,"traceParent":null,"traceState":null,"body":{"$type":"member-list","members":[null]}}""")]
    [InlineData("""{"id":7,"replyTo":0,"traceParent":null,"traceState":null,"body":{"$type":"key-page","entries":[null],"truncated":false}}""")]
    [InlineData("""{"id":7,"replyTo":0,"traceParent":null,"traceState":null,"body":{"$type":"compare-partitions","partitions":[1],"digests":[null]}}""")]
    [InlineData("""{"id":7,"replyTo":0,"traceParent":null,"traceState":null,"body":{"$type":"entries-differ","newer":[],"wanted":[null],"truncated":false}}""")]
    public void A_message_with_a_missing_field_or_a_misplaced_null_is_malformed(string json)
    {
        var refused = Assert.Throws<PeerProtocolException>(() => EnvelopeCodec.Decode(Encoding.UTF8.GetBytes(json), FrameType.Message));
        Assert.Equal(RejectReason.Malformed, refused.Reason);
    }

    [Fact]
    public void Null_is_still_accepted_where_a_message_allows_it()
    {
        var json = """{"id":7,"replyTo":3,"traceParent":null,"traceState":null,"body":{"$type":"entry-info","entry":null,"hasBlob":false}}""";

        var envelope = EnvelopeCodec.Decode(Encoding.UTF8.GetBytes(json), FrameType.Message);

        Assert.Equal(new EntryInfo(null, false), envelope.Body);
        Assert.Null(envelope.TraceParent);
        Assert.Equal(3, envelope.ReplyTo);
    }
}
