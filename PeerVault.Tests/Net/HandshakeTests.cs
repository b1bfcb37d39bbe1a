using Microsoft.Extensions.Time.Testing;
using PeerVault.Node.Net;
using PeerVault.Node.Security;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Net;

[Trait("Category", "InProcess")]
public sealed class HandshakeTests
{
    private static readonly AuthToken Token = AuthToken.Parse("correct horse battery staple");
    private static readonly NodeIdentity Alice = new(Guid.NewGuid(), "alice");
    private static readonly NodeIdentity Bob = new(Guid.NewGuid(), "bob");
    private static readonly ClusterKey Key = ClusterKey.Generate();
    private static readonly ClusterKey OtherKey = ClusterKey.Generate();
    private static readonly ClusterKey ThirdKey = ClusterKey.Generate();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Handshake Party(NodeIdentity self, AuthToken? token = null, TimeProvider? time = null, ReplayCache? replays = null, ClusterKeyIds? keys = null)
    {
        time ??= TimeProvider.System;
        return new Handshake(self, keys ?? ClusterKeyIds.Of(Key), token ?? Token, time, replays ?? new ReplayCache(time, Handshake.MaxClockSkew)) { StepTimeout = TimeSpan.FromSeconds(3) };
    }

    /// <summary>Runs both sides; returns each side's result or failure.</summary>
    private static async Task<(Task<HandshakeResult> Dial, Task<HandshakeResult> Accept)> RunAsync(LoopbackPair pair, Handshake dialer, Handshake listener, string? expectedName = null)
    {
        var accept = listener.AcceptAsync(pair.Listener, Ct);
        var dial = dialer.DialAsync(pair.Dialer, expectedName, Ct);
        try
        {
            await Task.WhenAll(accept, dial);
        }
        catch (PeerProtocolException)
        {
            // Inspected by the caller.
        }

        // A side that failed closes its end, which ends the other side's wait too.
        await Task.WhenAny(Task.WhenAll(accept, dial), Task.Delay(TimeSpan.FromSeconds(5), Ct));
        return (dial, accept);
    }

    [Fact]
    public async Task Nodes_with_the_same_token_learn_each_others_identity_and_seal_later_frames()
    {
        await using var pair = await LoopbackPair.ConnectAsync();
        var (dial, accept) = await RunAsync(pair, Party(Alice), Party(Bob), expectedName: "bob");

        var dialer = await dial;
        var listener = await accept;
        Assert.Equal(Bob, dialer.Peer);
        Assert.Equal(Alice, listener.Peer);
        Assert.True(dialer.IsDialer);
        Assert.False(listener.IsDialer);

        pair.Dialer.Seal(dialer.Sealer);
        pair.Listener.Seal(listener.Sealer);
        await pair.Dialer.WriteFrameAsync(FrameType.Message, "ping"u8.ToArray(), Ct);
        await pair.Listener.WriteFrameAsync(FrameType.Message, "pong"u8.ToArray(), Ct);
        using var atListener = await pair.Listener.ReadFrameAsync(Ct);
        using var atDialer = await pair.Dialer.ReadFrameAsync(Ct);
        Assert.Equal("ping"u8.ToArray(), atListener!.Payload.ToArray());
        Assert.Equal("pong"u8.ToArray(), atDialer!.Payload.ToArray());
    }

    [Fact]
    public async Task An_observer_of_the_handshake_and_later_frames_sees_no_node_identity_and_no_contents()
    {
        RecordingStream? wire = null;
        await using var pair = await LoopbackPair.ConnectAsync(s => wire = new RecordingStream(s));
        var (dial, accept) = await RunAsync(pair, Party(Alice), Party(Bob));
        pair.Dialer.Seal((await dial).Sealer);
        pair.Listener.Seal((await accept).Sealer);
        var secret = "{\"key\":\"payroll/2026.csv\"}"u8.ToArray();
        await pair.Dialer.WriteFrameAsync(FrameType.Message, secret, Ct);
        using (var received = await pair.Listener.ReadFrameAsync(Ct))
        {
            Assert.Equal(secret, received!.Payload.ToArray());
        }

        await pair.Listener.WriteFrameAsync(FrameType.Message, secret, Ct);
        using (await pair.Dialer.ReadFrameAsync(Ct))
        {
        }

        foreach (var (direction, bytes) in new[] { ("dialer to listener", wire!.Written), ("listener to dialer", wire.ReadBytes) })
        {
            Assert.True(bytes.Length > 0, direction);
            foreach (var (what, needle) in new (string, byte[])[]
            {
                ("alice's name", "alice"u8.ToArray()), ("bob's name", "bob"u8.ToArray()),
                ("alice's id", Alice.Id.ToByteArray(bigEndian: true)), ("bob's id", Bob.Id.ToByteArray(bigEndian: true)),
                ("the message", "payroll"u8.ToArray()), ("the cluster key id", Convert.FromHexString(Key.KeyId)),
            })
            {
                Assert.True(bytes.AsSpan().IndexOf(needle) < 0, $"{what} crossed the wire in clear, {direction}");
            }
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_peer_on_another_cluster_key_is_refused_by_both_sides_each_naming_both_key_ids(bool aliceDials)
    {
        await using var pair = await LoopbackPair.ConnectAsync();
        var alice = Party(Alice, keys: ClusterKeyIds.Of(Key));
        var bob = Party(Bob, keys: ClusterKeyIds.Of(OtherKey, ThirdKey));
        var (dial, accept) = await RunAsync(pair, aliceDials ? alice : bob, aliceDials ? bob : alice);

        var atDialer = await Assert.ThrowsAsync<PeerProtocolException>(() => dial);
        var atListener = await Assert.ThrowsAsync<PeerProtocolException>(() => accept);
        Assert.Equal(RejectReason.ClusterKeyMismatch, atDialer.Reason);
        Assert.Equal(RejectReason.ClusterKeyMismatch, atListener.Reason);
        var (atAlice, atBob) = aliceDials ? (atDialer, atListener) : (atListener, atDialer);
        Assert.StartsWith($"bob holds cluster key id {OtherKey.KeyId} (previous {ThirdKey.KeyId}), this node holds {Key.KeyId}", atAlice.Message, StringComparison.Ordinal);
        Assert.StartsWith($"alice holds cluster key id {Key.KeyId}, this node holds {OtherKey.KeyId} (previous {ThirdKey.KeyId})", atBob.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// A rotation: the new key becomes current node by node, the old one kept in
    /// PEERVAULT_PREVIOUS_CLUSTER_KEYS. Nodes connect while one of them holds the other's current key.
    /// </summary>
    [Theory]
    [InlineData("new", "old", "old", "", true)]
    [InlineData("old", "new", "new", "old", true)]
    [InlineData("new", "old", "old", "new", true)]
    [InlineData("new", "", "old", "third", false)]
    public async Task During_a_rotation_nodes_connect_while_one_holds_the_others_current_key(string aliceCurrent, string alicePrevious, string bobCurrent, string bobPrevious, bool connect)
    {
        var named = new Dictionary<string, ClusterKey> { ["old"] = Key, ["new"] = OtherKey, ["third"] = ThirdKey };
        ClusterKeyIds Keys(string current, string previous) => ClusterKeyIds.Of(named[current], previous.Length == 0 ? [] : [named[previous]]);
        var aliceKeys = Keys(aliceCurrent, alicePrevious);
        var bobKeys = Keys(bobCurrent, bobPrevious);
        await using var pair = await LoopbackPair.ConnectAsync();
        var (dial, accept) = await RunAsync(pair, Party(Alice, keys: aliceKeys), Party(Bob, keys: bobKeys));

        if (connect)
        {
            Assert.Equal(bobKeys, (await dial).PeerKeys);
            Assert.Equal(aliceKeys, (await accept).PeerKeys);
        }
        else
        {
            Assert.Equal(RejectReason.ClusterKeyMismatch, (await Assert.ThrowsAsync<PeerProtocolException>(() => dial)).Reason);
            Assert.Equal(RejectReason.ClusterKeyMismatch, (await Assert.ThrowsAsync<PeerProtocolException>(() => accept)).Reason);
        }
    }

    [Fact]
    public async Task A_dialer_without_the_token_learns_nothing_about_the_listener()
    {
        RecordingStream? wire = null;
        await using var pair = await LoopbackPair.ConnectAsync(s => wire = new RecordingStream(s));
        var (dial, accept) = await RunAsync(pair, Party(Alice, AuthToken.Parse("a guess at the token value")), Party(Bob));

        Assert.Equal(RejectReason.WrongToken, (await Assert.ThrowsAsync<PeerProtocolException>(() => dial)).Reason);
        await Assert.ThrowsAsync<PeerProtocolException>(() => accept);
        var fromListener = wire!.ReadBytes;
        Assert.True(fromListener.AsSpan().IndexOf("bob"u8) < 0 && fromListener.AsSpan().IndexOf(Bob.Id.ToByteArray(bigEndian: true)) < 0);
    }

    [Fact]
    public async Task A_peer_speaking_another_protocol_version_is_refused_by_name_and_told_ours()
    {
        await using var pair = await LoopbackPair.ConnectAsync();
        var accept = Party(Bob).AcceptAsync(pair.Listener, Ct);

        // A version-3 hello (the version before pipelined writes): the version comes first in every version's greeting.
        var hello = new byte[59];
        hello[1] = 3;
        await pair.Dialer.WriteFrameAsync(FrameType.HandshakeHello, hello, Ct);

        var error = await Assert.ThrowsAsync<PeerProtocolException>(() => accept);
        Assert.Equal(RejectReason.VersionMismatch, error.Reason);
        Assert.Contains("version 3", error.Message, StringComparison.Ordinal);
        using var answer = await pair.Dialer.ReadFrameAsync(Ct);
        Assert.Equal(FrameType.HandshakeWelcome, answer!.Type);
        Assert.Equal(HandshakeGreeting.CurrentVersion, (answer.Payload.Span[0] << 8) | answer.Payload.Span[1]);
    }

    [Fact]
    public async Task A_dialer_with_the_wrong_token_is_refused_by_both_sides()
    {
        await using var pair = await LoopbackPair.ConnectAsync();
        var (dial, accept) = await RunAsync(pair, Party(Alice, AuthToken.Parse("not the cluster's token!")), Party(Bob));

        var dialError = await Assert.ThrowsAsync<PeerProtocolException>(() => dial);
        Assert.Equal(RejectReason.WrongToken, dialError.Reason);
        await Assert.ThrowsAsync<PeerProtocolException>(() => accept);
    }

    [Fact]
    public async Task A_listener_with_the_wrong_token_cannot_fool_the_dialer()
    {
        await using var pair = await LoopbackPair.ConnectAsync();
        var (dial, _) = await RunAsync(pair, Party(Alice), Party(Bob, AuthToken.Parse("an impostor's token value")));

        var error = await Assert.ThrowsAsync<PeerProtocolException>(() => dial);
        Assert.Equal(RejectReason.WrongToken, error.Reason);
    }

    [Fact]
    public async Task A_captured_handshake_replayed_byte_for_byte_is_refused()
    {
        var replays = new ReplayCache(TimeProvider.System, Handshake.MaxClockSkew);
        var listener = Party(Bob, replays: replays);
        RecordingStream? capture = null;
        await using (var pair = await LoopbackPair.ConnectAsync(s => capture = new RecordingStream(s)))
        {
            var (dial, accept) = await RunAsync(pair, Party(Alice), listener);
            await dial;
            await accept;
        }

        // The attacker sends the dialer's captured bytes (hello, then proof) over a new connection.
        await using (var replay = await LoopbackPair.ConnectAsync(s => new ReplayingStream(s, capture!.Written)))
        {
            var accept = listener.AcceptAsync(replay.Listener, Ct);
            var error = await Assert.ThrowsAsync<PeerProtocolException>(() => accept);
            Assert.Equal(RejectReason.Replay, error.Reason);
        }

        // Even a listener that has never seen the nonce (restarted, empty cache) refuses the old proof:
        // it is bound to the listener's fresh nonce of the original connection.
        await using (var replay = await LoopbackPair.ConnectAsync(s => new ReplayingStream(s, capture!.Written)))
        {
            var accept = Party(Bob).AcceptAsync(replay.Listener, Ct);
            var error = await Assert.ThrowsAsync<PeerProtocolException>(() => accept);
            Assert.Equal(RejectReason.WrongToken, error.Reason);
        }
    }

    [Theory]
    [InlineData(31)]
    [InlineData(-31)]
    [InlineData(3600)]
    public async Task A_hello_from_a_clock_beyond_the_skew_window_is_refused(int offsetSeconds)
    {
        var skewed = new FakeTimeProvider(DateTimeOffset.UtcNow.AddSeconds(offsetSeconds));
        await using var pair = await LoopbackPair.ConnectAsync();
        var (_, accept) = await RunAsync(pair, Party(Alice, time: skewed), Party(Bob));

        var error = await Assert.ThrowsAsync<PeerProtocolException>(() => accept);
        Assert.Equal(RejectReason.ClockSkew, error.Reason);
    }

    [Fact]
    public async Task A_hello_within_the_skew_window_is_accepted()
    {
        var skewed = new FakeTimeProvider(DateTimeOffset.UtcNow.AddSeconds(20));
        await using var pair = await LoopbackPair.ConnectAsync();
        var (dial, accept) = await RunAsync(pair, Party(Alice, time: skewed), Party(Bob));

        Assert.Equal(Bob, (await dial).Peer);
        Assert.Equal(Alice, (await accept).Peer);
    }

    [Fact]
    public async Task A_listener_that_is_not_the_node_the_dialer_expected_is_refused()
    {
        await using var pair = await LoopbackPair.ConnectAsync();
        var (dial, _) = await RunAsync(pair, Party(Alice), Party(Bob), expectedName: "carol");

        var error = await Assert.ThrowsAsync<PeerProtocolException>(() => dial);
        Assert.Equal(RejectReason.IdentityMismatch, error.Reason);
        Assert.Contains("carol", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_peer_claiming_this_nodes_identity_is_refused()
    {
        var impostor = new NodeIdentity(Bob.Id, "mallory");
        await using var pair = await LoopbackPair.ConnectAsync();
        var (dial, accept) = await RunAsync(pair, Party(impostor), Party(Bob));

        Assert.Equal(RejectReason.SelfConnection, (await Assert.ThrowsAsync<PeerProtocolException>(() => accept)).Reason);
        Assert.Equal(RejectReason.SelfConnection, (await Assert.ThrowsAsync<PeerProtocolException>(() => dial)).Reason);
    }

    [Fact]
    public async Task A_silent_dialer_is_dropped_at_the_step_deadline()
    {
        await using var pair = await LoopbackPair.ConnectAsync();
        var listener = new Handshake(Bob, ClusterKeyIds.Of(Key), Token, TimeProvider.System, new ReplayCache(TimeProvider.System, Handshake.MaxClockSkew)) { StepTimeout = TimeSpan.FromMilliseconds(300) };

        var error = await Assert.ThrowsAsync<PeerProtocolException>(() => listener.AcceptAsync(pair.Listener, Ct));
        Assert.Equal(RejectReason.Timeout, error.Reason);
    }

    /// <summary>Writes a fixed capture to the peer as soon as the connection opens, ignoring what comes back.</summary>
    private sealed class ReplayingStream : Stream
    {
        private readonly Stream _inner;

        public ReplayingStream(Stream inner, byte[] capture)
        {
            _inner = inner;
            _inner.Write(capture);
            _inner.Flush();
        }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);

        public override void Write(byte[] buffer, int offset, int count) => _inner.Write(buffer, offset, count);

        public override void Flush() => _inner.Flush();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
