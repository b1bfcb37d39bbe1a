using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using PeerVault.Node.Storage;

namespace PeerVault.Benchmarks.Storage;

/// <summary>
/// One chunk sealed and opened again: <see cref="ObjectCipher"/> on a one-chunk object (header,
/// data key wrap and unwrap, record framing, one AES-GCM context per object) against raw AES-256-GCM
/// encrypt + decrypt of the same chunk with a cipher context made once. The ratio is the fixed
/// cost of an object on top of its chunk; at 64 KiB it is the smallest chunk size the format allows.
/// </summary>
[MemoryDiagnoser]
#pragma warning disable CA1001 // BenchmarkDotNet owns the lifecycle: GlobalCleanup disposes the cipher.
public class ChunkCipherBenchmarks
#pragma warning restore CA1001
{
    private byte[] _plaintext = [];
    private byte[] _ciphertext = [];
    private byte[] _opened = [];
    private readonly byte[] _tag = new byte[ObjectCipher.TagSize];
    private readonly byte[] _nonce = new byte[12];
    private readonly byte[] _associated = new byte[SealedObjectHeader.SaltSize + 9];
    private ObjectCipher _cipher = null!;
    private MemoryStream _sealed = null!;
    private AesGcm _aes = null!;

    [Params(ObjectCipher.MinChunkSize, ObjectCipher.DefaultChunkSize, ObjectCipher.MaxChunkSize)]
    public int ChunkSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _plaintext = RandomNumberGenerator.GetBytes(ChunkSize);
        _ciphertext = new byte[ChunkSize];
        _opened = new byte[ChunkSize];
        _cipher = new ObjectCipher(BenchmarkKeys.Ring(), ChunkSize);
        _sealed = new MemoryStream(checked((int)ObjectCipher.SealedLength(ChunkSize, ChunkSize)));
        _aes = new AesGcm(RandomNumberGenerator.GetBytes(32), ObjectCipher.TagSize);
    }

    [Benchmark(Baseline = true, Description = "raw AES-256-GCM encrypt + decrypt of one chunk")]
    public void RawAesGcm()
    {
        _nonce[11]++;
        _aes.Encrypt(_nonce, _plaintext, _ciphertext, _tag, _associated);
        _aes.Decrypt(_nonce, _ciphertext, _tag, _opened, _associated);
    }

    [Benchmark(Description = "ObjectCipher seal + open of a one-chunk object")]
    public long SealAndOpen()
    {
        // The sealed buffer is reused: its capacity is the sealed size, so it never grows.
        _sealed.SetLength(0);
        _cipher.SealAsync(new MemoryStream(_plaintext, writable: false), _sealed, CancellationToken.None).GetAwaiter().GetResult();
        _sealed.Position = 0;
        return _cipher.OpenAsync(_sealed, Stream.Null, CancellationToken.None).GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup() => _aes.Dispose();
}
