using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using PeerVault.Node.Net;
using PeerVault.Node.Security;

namespace PeerVault.Fuzz.Harnesses;

/// <summary>
/// The listener side of <see cref="Handshake"/>, with the fuzzer as the dialer, over an in-memory
/// connection. Input: <c>[mode][...]</c>; mode bit 0 picks:
/// <list type="bullet">
/// <item>0, raw: the rest is the dialer's bytes as they arrive (mode's other bits: bytes per read).
///   The fuzzer cannot know this run's listener nonce, so the handshake must fail, and only with
///   <see cref="PeerProtocolException"/>.</item>
/// <item>1, token holder: <c>[helloLength:u8][hello payload][identity plaintext]</c>. The harness
///   frames the hello, reads the listener's welcome and seals the fuzzer's identity bytes (identity
///   and cluster key ids) under the keys a dialer holding the token derives, so the fuzzer reaches
///   the identity decoder and the steps after it. Either the handshake fails with
///   <see cref="PeerProtocolException"/> (after the listener's accept when the key ids do not fit), or
///   the listener accepted exactly the identity and key ids sent (they re-encode to the same bytes),
///   its accept opens to its own, and frames sealed by the dialer open with the sealer it returned.</item>
/// </list>
/// The clock is fixed and the replay cache fresh for every run, so a run depends only on its input.
/// </summary>
internal sealed class HandshakeHarness : IHarness
{
    private static readonly AuthToken Token = AuthToken.Parse("fuzzing token, not a secret");
    private static readonly NodeIdentity Listener = new(new Guid("0f8fad5b-d9cb-469f-a165-70867728950e"), "listener");
    private static readonly NodeIdentity Dialer = new(new Guid("7c9e6679-7425-40de-944b-e07fc1f90ae7"), "dialer");
    private static readonly ClusterKeyIds ListenerKeys = new("00112233aabbccdd", ["8899aabb00112233"]);

    public string Name => "handshake";

    public string Description => "listener side of the handshake, fuzzer as dialer (raw bytes, or a token holder sealing fuzzed identities): PeerProtocolException only, accepted identity = identity sent";

    public void Run(ReadOnlySpan<byte> input)
    {
        if (input.IsEmpty)
        {
            return;
        }

        var handshake = new Handshake(Listener, ListenerKeys, Token, FixedTime.Instance, new ReplayCache(FixedTime.Instance, Handshake.MaxClockSkew))
        {
            StepTimeout = TimeSpan.FromSeconds(5),
        };
        if ((input[0] & 1) == 0)
        {
            var bytes = input[1..].ToArray();
            var result = Accept(handshake, ScriptedStream.Of(bytes, 1 + (input[0] >> 1)));
            FuzzFinding.Check(result is null, "The listener accepted a dialer that never held the token.");
            return;
        }

        if (input.Length < 2 || input.Length < 2 + input[1])
        {
            return;
        }

        var hello = input.Slice(2, input[1]).ToArray();
        var identity = input[(2 + input[1])..].ToArray();
        var dialer = new TokenHolder(hello, identity);
        var stream = new ScriptedStream(dialer.Next, step: 64);
        if (Accept(handshake, stream) is { } accepted)
        {
            dialer.CheckAccepted(accepted, stream.Written);
        }
    }

    private static HandshakeResult? Accept(Handshake handshake, ScriptedStream stream)
    {
        var connection = new FrameConnection(stream);
        try
        {
            return handshake.AcceptAsync(connection, CancellationToken.None).GetAwaiter().GetResult();
        }
        catch (PeerProtocolException)
        {
            return null;
        }
        finally
        {
            connection.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    public IEnumerable<(string Name, byte[] Bytes)> Seeds()
    {
        var hello = Greeting(FixedTime.Now.ToUnixTimeMilliseconds());
        var identity = HandshakeIdentity.Encode(Dialer, new ClusterKeyIds(ListenerKeys.Current, []));
        yield return ("token-holder", [0x01, (byte)hello.Length, .. hello, .. identity]);
        yield return ("token-holder-rotating", [0x01, (byte)hello.Length, .. hello, .. HandshakeIdentity.Encode(Dialer, new ClusterKeyIds("0123456789abcdef", [ListenerKeys.Current]))]);
        yield return ("token-holder-foreign-key", [0x01, (byte)hello.Length, .. hello, .. HandshakeIdentity.Encode(Dialer, new ClusterKeyIds("fedcba9876543210", []))]);
        yield return ("token-holder-old-version", [0x01, (byte)hello.Length, 0, 2, .. hello[2..], .. identity]);
        yield return ("token-holder-skewed", [0x01, (byte)hello.Length, .. Greeting(FixedTime.Now.ToUnixTimeMilliseconds() - 60_000), .. identity]);

        var raw = new ArrayBufferWriter<byte>();
        FrameCodec.WriteHeader(raw, FrameType.HandshakeHello, hello.Length);
        raw.Write(hello);
        var proof = new byte[identity.Length + FrameSealer.TagSize];
        FrameCodec.WriteHeader(raw, FrameType.HandshakeProof, proof.Length);
        raw.Write(proof);
        yield return ("raw-hello-and-forged-proof", [0x00, .. raw.WrittenSpan]);
        yield return ("raw-hello-trickled", [0x0E, .. raw.WrittenSpan]);
    }

    private static byte[] Greeting(long unixMillis)
        => new HandshakeGreeting(HandshakeGreeting.CurrentVersion, [.. Enumerable.Range(0, HandshakeGreeting.NonceSize).Select(i => (byte)i)], unixMillis).Encode();

    /// <summary>
    /// A dialer that holds the token and seals whatever identity bytes the fuzzer chose. Its key
    /// derivation mirrors <see cref="Handshake"/>'s (the seeds only get past the proof step if it does).
    /// </summary>
    private sealed class TokenHolder(byte[] hello, byte[] identity)
    {
        private int _step;
        private byte[] _welcome = [];
        private byte[] _proof = [];

        public byte[]? Next(ReadOnlyMemory<byte> written)
        {
            switch (_step++)
            {
                case 0:
                    return Frame(FrameType.HandshakeHello, hello);
                case 1:
                    var frames = Frames(written);
                    if (frames is not [{ Type: FrameType.HandshakeWelcome } welcome])
                    {
                        return null;
                    }

                    _welcome = welcome.Payload;
                    _proof = Seal(Key(Transcript(hello, _welcome), "peervault/3 identity dialer"u8), identity, []);
                    return Frame(FrameType.HandshakeProof, _proof);
                default:
                    return null;
            }
        }

        public void CheckAccepted(HandshakeResult result, ReadOnlyMemory<byte> written)
        {
            FuzzFinding.Check(!result.IsDialer, "The listener thinks it dialed.");
            FuzzFinding.Check(result.PeerKeys is { } peerKeys && HandshakeIdentity.Encode(result.Peer, peerKeys).AsSpan().SequenceEqual(identity), $"The listener accepted {result.Peer} ({result.PeerKeys}) from identity bytes that do not encode it.");
            FuzzFinding.Check(ListenerKeys.CanWorkWith(result.PeerKeys!), $"The listener accepted a dialer holding cluster keys {result.PeerKeys}, none of which fits its own {ListenerKeys}.");
            var frames = Frames(written);
            FuzzFinding.Check(frames is [_, { Type: FrameType.HandshakeAccept }], "The listener accepted without sending its accept.");
            var accept = frames[1].Payload;
            var opened = Open(Key(Transcript(hello, _welcome), "peervault/3 identity listener"u8), accept, _proof);
            FuzzFinding.Check(opened is not null && HandshakeIdentity.Decode(opened) is var (listenerIdentity, listenerKeys) && listenerIdentity == Listener && listenerKeys == ListenerKeys, "The listener's accept does not open to its identity and key ids.");

            var framesKey = HKDF.Extract(HashAlgorithmName.SHA256, Token.HandshakeKey, Transcript(hello, _welcome, _proof, accept));
            using var ours = new FrameSealer(
                HKDF.Expand(HashAlgorithmName.SHA256, framesKey, FrameSealer.KeySize, "peervault/3 frames dialer->listener"u8.ToArray()),
                HKDF.Expand(HashAlgorithmName.SHA256, framesKey, FrameSealer.KeySize, "peervault/3 frames listener->dialer"u8.ToArray()));
            var payload = "first sealed frame"u8.ToArray();
            var tag = new byte[FrameSealer.TagSize];
            ours.Seal(FrameType.Message, payload, tag);
            result.Sealer.Open(FrameType.Message, payload, tag);
            FuzzFinding.Check(payload.AsSpan().SequenceEqual("first sealed frame"u8), "Frames sealed by the dialer do not open at the listener.");
            result.Sealer.Dispose();
        }

        private static byte[] Key(byte[] transcript, ReadOnlySpan<byte> label)
        {
            var prk = HKDF.Extract(HashAlgorithmName.SHA256, Token.HandshakeKey, transcript);
            return HKDF.Expand(HashAlgorithmName.SHA256, prk, FrameSealer.KeySize, label.ToArray());
        }

        private static byte[] Seal(byte[] key, byte[] plaintext, byte[] associated)
        {
            var sealedBytes = new byte[plaintext.Length + FrameSealer.TagSize];
            using var aes = new AesGcm(key, FrameSealer.TagSize);
            aes.Encrypt(new byte[12], plaintext, sealedBytes.AsSpan(0, plaintext.Length), sealedBytes.AsSpan(plaintext.Length), associated);
            return sealedBytes;
        }

        private static byte[]? Open(byte[] key, byte[] sealedBytes, byte[] associated)
        {
            if (sealedBytes.Length < FrameSealer.TagSize)
            {
                return null;
            }

            var plaintext = new byte[sealedBytes.Length - FrameSealer.TagSize];
            using var aes = new AesGcm(key, FrameSealer.TagSize);
            try
            {
                aes.Decrypt(new byte[12], sealedBytes.AsSpan(0, plaintext.Length), sealedBytes.AsSpan(plaintext.Length), plaintext, associated);
                return plaintext;
            }
            catch (AuthenticationTagMismatchException)
            {
                return null;
            }
        }

        private static byte[] Transcript(params byte[][] messages)
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            Span<byte> length = stackalloc byte[4];
            foreach (var message in messages)
            {
                BinaryPrimitives.WriteInt32BigEndian(length, message.Length);
                hash.AppendData(length);
                hash.AppendData(message);
            }

            return hash.GetHashAndReset();
        }

        private static byte[] Frame(FrameType type, byte[] payload)
        {
            var writer = new ArrayBufferWriter<byte>();
            FrameCodec.WriteHeader(writer, type, payload.Length);
            writer.Write(payload);
            return writer.WrittenSpan.ToArray();
        }

        private static List<(FrameType Type, byte[] Payload)> Frames(ReadOnlyMemory<byte> written)
        {
            var buffer = new ReadOnlySequence<byte>(written);
            var frames = new List<(FrameType, byte[])>();
            while (FrameCodec.TryReadFrame(ref buffer, out var type, out var payload))
            {
                frames.Add((type, payload.ToArray()));
            }

            return frames;
        }
    }
}
