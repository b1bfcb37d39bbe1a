using System.Buffers.Binary;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using PeerVault.Node.Net;

namespace PeerVault.Benchmarks.Net;

/// <summary>
/// What protecting one peer frame costs, sender and receiver together. The baseline is the
/// protocol-v2 construction this replaced: a 16-byte truncated HMAC-SHA256 over
/// <c>[sequence][type][payload]</c> per direction, integrity only. The sealed frame (protocol v3)
/// encrypts as well; the ratio shows whether confidentiality cost throughput.
/// </summary>
[MemoryDiagnoser]
#pragma warning disable CA1001 // BenchmarkDotNet owns the lifecycle: GlobalCleanup disposes the ciphers.
public class FrameSealBenchmarks
#pragma warning restore CA1001
{
    private byte[] _payload = [];
    private readonly byte[] _tag = new byte[FrameSealer.TagSize];
    private IncrementalHash _hmacSend = null!;
    private IncrementalHash _hmacReceive = null!;
    private FrameSealer _sender = null!;
    private FrameSealer _receiver = null!;
    private ulong _sequence;

    /// <summary>A small request, a typical stream chunk, and the largest body a frame carries.</summary>
    [Params(256, 64 * 1024, FrameCodec.MaxPayloadSize - FrameSealer.TagSize)]
    public int PayloadSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _payload = RandomNumberGenerator.GetBytes(PayloadSize);
        var a = RandomNumberGenerator.GetBytes(FrameSealer.KeySize);
        var b = RandomNumberGenerator.GetBytes(FrameSealer.KeySize);
        _hmacSend = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, a);
        _hmacReceive = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, a);
        _sender = new FrameSealer(a, b);
        _receiver = new FrameSealer(b, a);
    }

    [Benchmark(Baseline = true, Description = "v2: HMAC-SHA256 sign + verify (integrity only)")]
    public bool HmacSignAndVerify()
    {
        var sequence = _sequence++;
        Span<byte> sent = stackalloc byte[FrameSealer.TagSize];
        Span<byte> expected = stackalloc byte[FrameSealer.TagSize];
        Mac(_hmacSend, sequence, _payload, sent);
        Mac(_hmacReceive, sequence, _payload, expected);
        return CryptographicOperations.FixedTimeEquals(sent, expected);
    }

    [Benchmark(Description = "v3: AES-256-GCM seal + open (FrameSealer)")]
    public byte SealAndOpen()
    {
        _sender.Seal(FrameType.StreamData, _payload, _tag);
        _receiver.Open(FrameType.StreamData, _payload, _tag);
        return _payload[0];
    }

    private static void Mac(IncrementalHash hmac, ulong sequence, ReadOnlySpan<byte> payload, Span<byte> tag)
    {
        Span<byte> prefix = stackalloc byte[9];
        BinaryPrimitives.WriteUInt64BigEndian(prefix, sequence);
        prefix[8] = (byte)FrameType.StreamData;
        hmac.AppendData(prefix);
        hmac.AppendData(payload);
        Span<byte> full = stackalloc byte[32];
        hmac.GetHashAndReset(full);
        full[..tag.Length].CopyTo(tag);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _hmacSend.Dispose();
        _hmacReceive.Dispose();
        _sender.Dispose();
        _receiver.Dispose();
    }
}
