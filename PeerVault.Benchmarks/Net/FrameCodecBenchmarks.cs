using System.Buffers;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using PeerVault.Node.Net;

namespace PeerVault.Benchmarks.Net;

/// <summary>
/// A batch of sealed 64 KiB stream frames encoded and decoded in memory, no socket: the framing
/// and sealing code alone. Encode is <see cref="FrameConnection.WriteFrameAsync(FrameType, ReadOnlyMemory{byte}, CancellationToken)"/>
/// into a stream that discards; decode is <see cref="FrameConnection.ReadFrameAsync"/> over the
/// bytes a sender produced (a fresh connection per batch, as the nonces start again). The baseline is
/// the work a frame cannot avoid: its header written and parsed with <see cref="FrameCodec"/> and
/// its payload copied, AES-256-GCM sealed and opened, in reused buffers. Two batch sizes show
/// whether anything is allocated per frame: a connection's fixed cost stays, per-frame cost grows.
/// </summary>
[MemoryDiagnoser]
#pragma warning disable CA1001 // BenchmarkDotNet owns the lifecycle: GlobalCleanup disposes the ciphers.
public class FrameCodecBenchmarks
#pragma warning restore CA1001
{
    private const int PayloadSize = 64 * 1024;
    private readonly byte[] _payload = RandomNumberGenerator.GetBytes(PayloadSize);
    private readonly byte[] _sendKey = RandomNumberGenerator.GetBytes(FrameSealer.KeySize);
    private readonly byte[] _receiveKey = RandomNumberGenerator.GetBytes(FrameSealer.KeySize);
    private readonly ArrayBufferWriter<byte> _wire = new(FrameCodec.HeaderSize + PayloadSize + FrameSealer.TagSize);
    private readonly byte[] _opened = new byte[PayloadSize + FrameSealer.TagSize];
    private byte[] _encoded = [];
    private FrameConnection _encoder = null!;
    private AesGcm _aes = null!;

    [Params(16, 256)]
    public int Frames { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _aes = new AesGcm(_sendKey, FrameSealer.TagSize);
        _encoder = new FrameConnection(Stream.Null);
        _encoder.Seal(new FrameSealer(_sendKey, _receiveKey));

        var captured = new MemoryStream();
        var sender = new FrameConnection(captured);
        sender.Seal(new FrameSealer(_sendKey, _receiveKey));
        for (var i = 0; i < Frames; i++)
        {
            sender.WriteFrameAsync(FrameType.StreamData, _payload, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        }

        _encoded = captured.ToArray();
        sender.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true, Description = "raw: FrameCodec header + copy + AES-GCM seal and open")]
    public int Raw()
    {
        Span<byte> nonce = stackalloc byte[12];
        ReadOnlySpan<byte> associated = [(byte)FrameType.StreamData];
        var parsed = 0;
        for (var i = 0; i < Frames; i++)
        {
            nonce[11] = (byte)i;
            _wire.ResetWrittenCount();
            FrameCodec.WriteHeader(_wire, FrameType.StreamData, PayloadSize + FrameSealer.TagSize);
            var span = _wire.GetSpan(PayloadSize + FrameSealer.TagSize);
            _payload.CopyTo(span);
            _aes.Encrypt(nonce, span[..PayloadSize], span[..PayloadSize], span.Slice(PayloadSize, FrameSealer.TagSize), associated);
            _wire.Advance(PayloadSize + FrameSealer.TagSize);

            var buffer = new ReadOnlySequence<byte>(_wire.WrittenMemory);
            FrameCodec.TryReadFrame(ref buffer, out _, out var payload);
            payload.CopyTo(_opened);
            _aes.Decrypt(nonce, _opened.AsSpan(0, PayloadSize), _opened.AsSpan(PayloadSize), _opened.AsSpan(0, PayloadSize), associated);
            parsed += PayloadSize;
        }

        return parsed;
    }

    [Benchmark(Description = "FrameConnection.WriteFrameAsync (sealed encode)")]
    public async Task Encode()
    {
        for (var i = 0; i < Frames; i++)
        {
            await _encoder.WriteFrameAsync(FrameType.StreamData, _payload, CancellationToken.None);
        }
    }

    [Benchmark(Description = "FrameConnection.ReadFrameAsync (sealed decode)")]
    public async Task<long> Decode()
    {
        await using var decoder = new FrameConnection(new MemoryStream(_encoded, writable: false));
        decoder.Seal(new FrameSealer(_receiveKey, _sendKey));
        long received = 0;
        while (await decoder.ReadFrameAsync(CancellationToken.None) is { } frame)
        {
            received += frame.Payload.Length;
            frame.Dispose();
        }

        return received;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _aes.Dispose();
        _encoder.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}
