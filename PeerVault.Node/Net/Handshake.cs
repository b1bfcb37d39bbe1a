using System.Security.Cryptography;
using PeerVault.Node.Security;


namespace PeerVault.Node.Net;

/// <summary>The other side of a finished handshake, and the protection both sides now apply.</summary>
public sealed record HandshakeResult(NodeIdentity Peer, bool IsDialer, FrameProtector Protector);

/// <summary>
/// Mutual challenge-response over three frames, each with a read deadline:
/// <list type="number">
/// <item>dialer → listener: Hello(version, id, name, nonce_d, time)</item>
/// <item>listener → dialer: Welcome(version, id, name, nonce_l, time) + HMAC(k, "welcome" ‖ hello ‖ welcome)</item>
/// <item>dialer → listener: HMAC(k, "proof" ‖ hello ‖ welcome ‖ welcome-mac)</item>
/// </list>
/// k is derived from the auth token. The transcript binds both fresh nonces, both node ids, the
/// version and both timestamps, so a proof is good for exactly one connection. Frame MAC keys
/// for each direction are then derived from the transcript.
/// </summary>
public sealed class Handshake(NodeIdentity self, AuthToken token, TimeProvider time, ReplayCache replays)
{
    private const int MacSize = 32;
    private static readonly byte[] WelcomeLabel = "peervault/1 welcome"u8.ToArray();
    private static readonly byte[] ProofLabel = "peervault/1 proof"u8.ToArray();

    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromSeconds(30);

    public TimeSpan StepTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Runs the dialer's side. <paramref name="expectedPeerName"/>, when known (service discovery names it), must match.</summary>
    public async Task<HandshakeResult> DialAsync(FrameConnection connection, string? expectedPeerName, CancellationToken cancellationToken)
    {
        var hello = HandshakeHello.Create(self, time).Encode();
        await connection.WriteFrameAsync(FrameType.HandshakeHello, hello, cancellationToken);

        using var welcomeFrame = await ReadStepAsync(connection, FrameType.HandshakeWelcome, cancellationToken);
        var welcomeBytes = welcomeFrame.Payload.ToArray();
        var welcome = HandshakeHello.Decode(welcomeBytes, out var welcomeLength);
        if (welcomeBytes.Length != welcomeLength + MacSize)
        {
            throw new PeerProtocolException(RejectReason.Malformed, "Handshake welcome has the wrong length.");
        }

        CheckVersion(welcome);
        var expectedMac = Mac(WelcomeLabel, hello, welcomeBytes.AsSpan(0, welcomeLength));
        if (!CryptographicOperations.FixedTimeEquals(expectedMac, welcomeBytes.AsSpan(welcomeLength)))
        {
            throw new PeerProtocolException(RejectReason.WrongToken, "The listener's proof does not match our auth token.");
        }

        CheckClock(welcome);
        CheckIdentity(welcome);
        if (expectedPeerName is not null && !string.Equals(expectedPeerName, welcome.NodeName, StringComparison.Ordinal))
        {
            throw new PeerProtocolException(RejectReason.IdentityMismatch, $"Dialed '{expectedPeerName}' but the listener is '{welcome.NodeName}'.");
        }

        var proof = Mac(ProofLabel, hello, welcomeBytes);
        await connection.WriteFrameAsync(FrameType.HandshakeProof, proof, cancellationToken);
        return Finish(new NodeIdentity(welcome.NodeId, welcome.NodeName), isDialer: true, hello, welcomeBytes, proof);
    }

    /// <summary>Runs the listener's side.</summary>
    public async Task<HandshakeResult> AcceptAsync(FrameConnection connection, CancellationToken cancellationToken)
    {
        using var helloFrame = await ReadStepAsync(connection, FrameType.HandshakeHello, cancellationToken);
        var helloBytes = helloFrame.Payload.ToArray();
        var hello = HandshakeHello.Decode(helloBytes, out var helloLength);
        if (helloLength != helloBytes.Length)
        {
            throw new PeerProtocolException(RejectReason.Malformed, "Handshake hello has trailing bytes.");
        }

        CheckVersion(hello);
        CheckClock(hello);
        if (!replays.TryRecord(hello.Nonce))
        {
            throw new PeerProtocolException(RejectReason.Replay, $"Handshake nonce from '{hello.NodeName}' was already used.");
        }

        var welcomeBody = HandshakeHello.Create(self, time).Encode();
        var welcomeBytes = new byte[welcomeBody.Length + MacSize];
        welcomeBody.CopyTo(welcomeBytes, 0);
        Mac(WelcomeLabel, helloBytes, welcomeBody).CopyTo(welcomeBytes, welcomeBody.Length);
        await connection.WriteFrameAsync(FrameType.HandshakeWelcome, welcomeBytes, cancellationToken);

        // Checked only after the welcome went out: a node that dialed its own address learns from
        // the welcome that it is talking to itself, and stops dialing it.
        CheckIdentity(hello);

        using var proofFrame = await ReadStepAsync(connection, FrameType.HandshakeProof, cancellationToken);
        var expectedProof = Mac(ProofLabel, helloBytes, welcomeBytes);
        if (!CryptographicOperations.FixedTimeEquals(expectedProof, proofFrame.Payload.Span))
        {
            throw new PeerProtocolException(RejectReason.WrongToken, $"Dialer claiming to be '{hello.NodeName}' could not prove the auth token.");
        }

        return Finish(new NodeIdentity(hello.NodeId, hello.NodeName), isDialer: false, helloBytes, welcomeBytes, expectedProof);
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

    private static void CheckVersion(HandshakeHello hello)
    {
        if (hello.Version != HandshakeHello.CurrentVersion)
        {
            throw new PeerProtocolException(RejectReason.VersionMismatch, $"Peer speaks protocol version {hello.Version}; this node speaks {HandshakeHello.CurrentVersion}.");
        }
    }

    private void CheckClock(HandshakeHello hello)
    {
        var skew = TimeSpan.FromMilliseconds(Math.Abs(time.GetUtcNow().ToUnixTimeMilliseconds() - hello.UnixMillis));
        if (skew > MaxClockSkew)
        {
            throw new PeerProtocolException(RejectReason.ClockSkew, $"Handshake from '{hello.NodeName}' is {skew.TotalSeconds:0} s off our clock (limit {MaxClockSkew.TotalSeconds:0} s).");
        }
    }

    private void CheckIdentity(HandshakeHello hello)
    {
        if (hello.NodeId == self.Id || string.Equals(hello.NodeName, self.Name, StringComparison.Ordinal))
        {
            throw new PeerProtocolException(RejectReason.SelfConnection, $"Peer claims to be this node ({hello.NodeName}, {hello.NodeId:N}).");
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

    private HandshakeResult Finish(NodeIdentity peer, bool isDialer, byte[] hello, byte[] welcome, byte[] proof)
    {
        using var transcript = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        transcript.AppendData(hello);
        transcript.AppendData(welcome);
        transcript.AppendData(proof);
        var prk = HKDF.Extract(HashAlgorithmName.SHA256, token.HandshakeKey, transcript.GetHashAndReset());
        var dialerToListener = HKDF.Expand(HashAlgorithmName.SHA256, prk, 32, "frames dialer->listener"u8.ToArray());
        var listenerToDialer = HKDF.Expand(HashAlgorithmName.SHA256, prk, 32, "frames listener->dialer"u8.ToArray());
        var protector = isDialer
            ? new FrameProtector(dialerToListener, listenerToDialer)
            : new FrameProtector(listenerToDialer, dialerToListener);
        CryptographicOperations.ZeroMemory(prk);
        return new HandshakeResult(peer, isDialer, protector);
    }
}
