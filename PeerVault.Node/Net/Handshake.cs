using System.Security.Cryptography;
using PeerVault.Node.Security;

namespace PeerVault.Node.Net;

/// <summary>
/// The other side of a finished handshake, the sealing both sides now apply, and a first
/// measurement of the peer's clock against this node's (from the greetings' times).
/// </summary>
public sealed record HandshakeResult(NodeIdentity Peer, bool IsDialer, FrameSealer Sealer, ClockSample? ClockSample = null)
{
    /// <summary>The cluster keys the peer holds (it can work with this node: see <see cref="ClusterKeyIds.CanWorkWith"/>).</summary>
    public ClusterKeyIds? PeerKeys { get; init; }
}

/// <summary>
/// Mutual authentication over four frames, each with a read deadline, in which neither node says
/// who it is before the other has proven the auth token:
/// <list type="number">
/// <item>dialer → listener, <see cref="FrameType.HandshakeHello"/>: greeting(version, nonce_d, time)</item>
/// <item>listener → dialer, <see cref="FrameType.HandshakeWelcome"/>: greeting(version, nonce_l, time) ‖
///   HMAC(k, "welcome" ‖ hello ‖ greeting) - the listener has proven the token, for this dialer's nonce</item>
/// <item>dialer → listener, <see cref="FrameType.HandshakeProof"/>: AES-GCM(k_d, dialer identity and cluster key ids) -
///   only a token holder can seal it, under a key bound to both nonces, so it proves the token too</item>
/// <item>listener → dialer, <see cref="FrameType.HandshakeAccept"/>: AES-GCM(k_l, listener identity and cluster key ids), bound to the proof</item>
/// </list>
/// k is derived from the auth token; k_d and k_l from k and the transcript of the two greetings. A
/// proof is good for exactly one connection (both fresh nonces are in every key), a dialer's nonce is
/// accepted once (replay cache) and only within <see cref="MaxClockSkew"/> of this node's clock. The
/// frame keys for each direction are derived from the whole transcript. A peer speaking another
/// protocol version is refused by name on both sides: the listener still answers with its greeting.
/// So is a peer on another cluster key (neither node holds the other's current key id): the
/// listener still sends its accept, so both sides can say which keys each holds.
/// </summary>
public sealed class Handshake(NodeIdentity self, ClusterKeyIds keys, AuthToken token, TimeProvider time, ReplayCache replays)
{
    private const int MacSize = 32;
    private static readonly byte[] WelcomeLabel = "peervault/3 welcome"u8.ToArray();
    private static readonly byte[] DialerIdentityLabel = "peervault/3 identity dialer"u8.ToArray();
    private static readonly byte[] ListenerIdentityLabel = "peervault/3 identity listener"u8.ToArray();
    private static readonly byte[] DialerFramesLabel = "peervault/3 frames dialer->listener"u8.ToArray();
    private static readonly byte[] ListenerFramesLabel = "peervault/3 frames listener->dialer"u8.ToArray();

    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromSeconds(30);

    public TimeSpan StepTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Runs the dialer's side. <paramref name="expectedPeerName"/>, when known (service discovery names it), must match.</summary>
    public async Task<HandshakeResult> DialAsync(FrameConnection connection, string? expectedPeerName, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var ourGreeting = HandshakeGreeting.Create(time);
        var hello = ourGreeting.Encode();
        await connection.WriteFrameAsync(FrameType.HandshakeHello, hello, cancellationToken);

        byte[] welcome;
        using (var welcomeFrame = await ReadStepAsync(connection, FrameType.HandshakeWelcome, cancellationToken))
        {
            welcome = welcomeFrame.Payload.ToArray();
        }

        var welcomed = time.GetUtcNow().ToUnixTimeMilliseconds();
        var greeting = HandshakeGreeting.Decode(welcome);
        if (welcome.Length != HandshakeGreeting.Size + MacSize)
        {
            throw new PeerProtocolException(RejectReason.Malformed, "Handshake welcome has the wrong length.");
        }

        var expectedMac = Mac(WelcomeLabel, hello, welcome.AsSpan(0, HandshakeGreeting.Size));
        if (!CryptographicOperations.FixedTimeEquals(expectedMac, welcome.AsSpan(HandshakeGreeting.Size)))
        {
            throw new PeerProtocolException(RejectReason.WrongToken, "The listener could not prove our auth token.");
        }

        CheckClock(greeting, "the listener");
        using var sealing = new HandshakeKeys(token.HandshakeKey, hello, welcome);
        var proof = sealing.Seal(DialerIdentityLabel, HandshakeIdentity.Encode(self, keys), associated: []);
        await connection.WriteFrameAsync(FrameType.HandshakeProof, proof, cancellationToken);

        byte[] accept;
        using (var acceptFrame = await ReadStepAsync(connection, FrameType.HandshakeAccept, cancellationToken))
        {
            accept = acceptFrame.Payload.ToArray();
        }

        var (peer, peerKeys) = HandshakeIdentity.Decode(sealing.Open(ListenerIdentityLabel, accept, associated: proof, "The listener's identity"));
        CheckNotSelf(peer);
        if (expectedPeerName is not null && !string.Equals(expectedPeerName, peer.Name, StringComparison.Ordinal))
        {
            throw new PeerProtocolException(RejectReason.IdentityMismatch, $"Dialed '{expectedPeerName}' but the listener is '{peer.Name}'.");
        }

        CheckClusterKeys(peer, peerKeys);

        // The listener stamped its greeting between our hello and its arrival here: an NTP exchange.
        var clock = ClockSample.FromExchange(ourGreeting.UnixMillis, greeting.UnixMillis, welcomed);
        return new HandshakeResult(peer, IsDialer: true, sealing.SealerForFrames(isDialer: true, proof, accept), clock) { PeerKeys = peerKeys };
    }

    /// <summary>Runs the listener's side.</summary>
    public async Task<HandshakeResult> AcceptAsync(FrameConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        byte[] hello;
        using (var helloFrame = await ReadStepAsync(connection, FrameType.HandshakeHello, cancellationToken))
        {
            hello = helloFrame.Payload.ToArray();
        }

        var helloArrived = time.GetUtcNow().ToUnixTimeMilliseconds();
        var ours = HandshakeGreeting.Create(time).Encode();
        HandshakeGreeting greeting;
        try
        {
            greeting = HandshakeGreeting.Decode(hello);
        }
        catch (PeerProtocolException ex) when (ex.Reason == RejectReason.VersionMismatch)
        {
            // Tell the dialer which version we speak (a greeting names no node), then refuse.
            await connection.WriteFrameAsync(FrameType.HandshakeWelcome, ours, cancellationToken);
            throw;
        }

        if (hello.Length != HandshakeGreeting.Size)
        {
            throw new PeerProtocolException(RejectReason.Malformed, "Handshake hello has the wrong length.");
        }

        CheckClock(greeting, "a dialer");
        if (!replays.TryRecord(greeting.Nonce))
        {
            throw new PeerProtocolException(RejectReason.Replay, "Handshake nonce was already used.");
        }

        var welcome = new byte[HandshakeGreeting.Size + MacSize];
        ours.CopyTo(welcome, 0);
        Mac(WelcomeLabel, hello, ours).CopyTo(welcome, HandshakeGreeting.Size);
        await connection.WriteFrameAsync(FrameType.HandshakeWelcome, welcome, cancellationToken);

        byte[] proof;
        using (var proofFrame = await ReadStepAsync(connection, FrameType.HandshakeProof, cancellationToken))
        {
            proof = proofFrame.Payload.ToArray();
        }

        // The dialer stamped its hello one way before it arrived here. Taking that way as half the
        // welcome-proof round trip makes this an NTP exchange that began a round trip before the hello arrived.
        var roundTrip = time.GetUtcNow().ToUnixTimeMilliseconds() - helloArrived;
        var clock = ClockSample.FromExchange(helloArrived - roundTrip, greeting.UnixMillis, helloArrived);

        using var sealing = new HandshakeKeys(token.HandshakeKey, hello, welcome);
        var (peer, peerKeys) = HandshakeIdentity.Decode(sealing.Open(DialerIdentityLabel, proof, associated: [], "The dialer's proof"));
        var accept = sealing.Seal(ListenerIdentityLabel, HandshakeIdentity.Encode(self, keys), associated: proof);
        await connection.WriteFrameAsync(FrameType.HandshakeAccept, accept, cancellationToken);

        // Checked only after the accept went out: a node that dialed its own address learns from
        // the accept that it is talking to itself, and stops dialing it; a node on another cluster
        // key learns which keys this one holds, and refuses by name too.
        CheckNotSelf(peer);
        CheckClusterKeys(peer, peerKeys);
        return new HandshakeResult(peer, IsDialer: false, sealing.SealerForFrames(isDialer: false, proof, accept), clock) { PeerKeys = peerKeys };
    }

    private async Task<Frame> ReadStepAsync(FrameConnection connection, FrameType expected, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(StepTimeout);
        Frame? frame;
        try
        {
            frame = await connection.ReadFrameAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new PeerProtocolException(RejectReason.Timeout, $"No {expected} within {StepTimeout.TotalSeconds:0.#} s.");
        }

        if (frame is null)
        {
            throw new PeerProtocolException(RejectReason.Truncated, $"Connection closed while waiting for {expected}.");
        }

        if (frame.Type != expected)
        {
            frame.Dispose();
            throw new PeerProtocolException(RejectReason.UnexpectedFrame, $"Expected {expected} but got {frame.Type}.");
        }

        return frame;
    }

    private void CheckClock(HandshakeGreeting greeting, string who)
    {
        // Compared in milliseconds: a greeting's time is any 64-bit value, and most are too far off to be a TimeSpan.
        var skewMs = Math.Abs((double)time.GetUtcNow().ToUnixTimeMilliseconds() - greeting.UnixMillis);
        if (skewMs > MaxClockSkew.TotalMilliseconds)
        {
            throw new PeerProtocolException(RejectReason.ClockSkew, $"Handshake from {who} is {skewMs / 1000:0} s off our clock (limit {MaxClockSkew.TotalSeconds:0} s).");
        }
    }

    private void CheckNotSelf(NodeIdentity peer)
    {
        if (peer.Id == self.Id || string.Equals(peer.Name, self.Name, StringComparison.Ordinal))
        {
            throw new PeerProtocolException(RejectReason.SelfConnection, $"Peer claims to be this node ({peer.Name}, {peer.Id:N}).");
        }
    }

    /// <summary>Refuses a peer neither of which holds the other's current cluster key: its copies could never be opened here, nor ours there.</summary>
    private void CheckClusterKeys(NodeIdentity peer, ClusterKeyIds peerKeys)
    {
        if (!keys.CanWorkWith(peerKeys))
        {
            throw new PeerProtocolException(RejectReason.ClusterKeyMismatch, $"{peer.Name} holds cluster key id {peerKeys}, this node holds {keys}: a node of another cluster, or one set up with the wrong PEERVAULT_CLUSTER_KEY.");
        }
    }

    private byte[] Mac(byte[] label, ReadOnlySpan<byte> first, ReadOnlySpan<byte> second)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, token.HandshakeKey);
        hmac.AppendData(label);
        hmac.AppendData(first);
        hmac.AppendData(second);
        return hmac.GetHashAndReset();
    }

    /// <summary>
    /// The keys of one handshake: HKDF(k, salt = SHA-256(hello ‖ welcome)) for the sealed identities,
    /// and HKDF(k, salt = SHA-256(whole transcript)) for the frames. Each identity key seals exactly
    /// one message, so its all-zero nonce is never reused.
    /// </summary>
    private sealed class HandshakeKeys : IDisposable
    {
        private readonly byte[] _handshakeKey;
        private readonly byte[] _hello;
        private readonly byte[] _welcome;
        private readonly byte[] _prk;

        public HandshakeKeys(byte[] handshakeKey, byte[] hello, byte[] welcome)
        {
            _handshakeKey = handshakeKey;
            _hello = hello;
            _welcome = welcome;
            _prk = HKDF.Extract(HashAlgorithmName.SHA256, handshakeKey, Transcript(hello, welcome));
        }

        public byte[] Seal(byte[] label, byte[] plaintext, ReadOnlySpan<byte> associated)
        {
            var sealedBytes = new byte[plaintext.Length + FrameSealer.TagSize];
            using var aes = Cipher(label);
            aes.Encrypt(new byte[12], plaintext, sealedBytes.AsSpan(0, plaintext.Length), sealedBytes.AsSpan(plaintext.Length), associated);
            return sealedBytes;
        }

        public byte[] Open(byte[] label, byte[] sealedBytes, ReadOnlySpan<byte> associated, string what)
        {
            if (sealedBytes.Length < FrameSealer.TagSize)
            {
                throw new PeerProtocolException(RejectReason.Malformed, $"{what} is too short.");
            }

            var plaintext = new byte[sealedBytes.Length - FrameSealer.TagSize];
            using var aes = Cipher(label);
            try
            {
                aes.Decrypt(new byte[12], sealedBytes.AsSpan(0, plaintext.Length), sealedBytes.AsSpan(plaintext.Length), plaintext, associated);
            }
            catch (AuthenticationTagMismatchException)
            {
                throw new PeerProtocolException(RejectReason.WrongToken, $"{what} was not sealed with our auth token.");
            }

            return plaintext;
        }

        public FrameSealer SealerForFrames(bool isDialer, byte[] proof, byte[] accept)
        {
            var prk = HKDF.Extract(HashAlgorithmName.SHA256, _handshakeKey, Transcript(_hello, _welcome, proof, accept));
            var dialerToListener = HKDF.Expand(HashAlgorithmName.SHA256, prk, FrameSealer.KeySize, DialerFramesLabel);
            var listenerToDialer = HKDF.Expand(HashAlgorithmName.SHA256, prk, FrameSealer.KeySize, ListenerFramesLabel);
            try
            {
                return isDialer ? new FrameSealer(dialerToListener, listenerToDialer) : new FrameSealer(listenerToDialer, dialerToListener);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(prk);
                CryptographicOperations.ZeroMemory(dialerToListener);
                CryptographicOperations.ZeroMemory(listenerToDialer);
            }
        }

        private AesGcm Cipher(byte[] label)
        {
            var key = HKDF.Expand(HashAlgorithmName.SHA256, _prk, FrameSealer.KeySize, label);
            try
            {
                return new AesGcm(key, FrameSealer.TagSize);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(key);
            }
        }

        private static byte[] Transcript(params byte[][] messages)
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            Span<byte> length = stackalloc byte[4];
            foreach (var message in messages)
            {
                // Length-prefixed, so no two different transcripts hash the same bytes.
                System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(length, message.Length);
                hash.AppendData(length);
                hash.AppendData(message);
            }

            return hash.GetHashAndReset();
        }

        public void Dispose() => CryptographicOperations.ZeroMemory(_prk);
    }
}
