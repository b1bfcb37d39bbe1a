using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using PeerVault.Node.Storage;

namespace PeerVault.Benchmarks.Storage;

/// <summary>
/// Sealing and opening a whole object in memory, against a baseline in the same run: plain
/// AES-256-GCM over the same bytes in the same 256 KiB chunks, with no header, record framing or
/// streaming. The ratio is what the object format and stream plumbing cost on top of the cipher;
/// the two sizes show that what is allocated per object does not grow with its chunk count.
/// </summary>
[MemoryDiagnoser]
#pragma warning disable CA1001 // BenchmarkDotNet owns the lifecycle: GlobalCleanup disposes the cipher.
public class ObjectCipherBenchmarks
#pragma warning restore CA1001
{
    private readonly byte[] _chunkOut = new byte[ObjectCipher.DefaultChunkSize];
    private readonly byte[] _tag = new byte[ObjectCipher.TagSize];
    private readonly byte[] _nonce = new byte[12];
    private readonly ObjectCipher _cipher = new(BenchmarkKeys.Ring());
    private byte[] _plaintext = [];
    private byte[] _sealed = [];
    private AesGcm _aes = null!;

    /// <summary>4 chunks and 256 chunks.</summary>
    [Params(1 << 20, 64 << 20)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _plaintext = RandomNumberGenerator.GetBytes(Size);
        _aes = new AesGcm(RandomNumberGenerator.GetBytes(32), ObjectCipher.TagSize);
        using var output = new MemoryStream();
        _cipher.SealAsync(new MemoryStream(_plaintext), output, CancellationToken.None).GetAwaiter().GetResult();
        _sealed = output.ToArray();
    }

    [Benchmark(Baseline = true, Description = "raw AES-256-GCM encrypt, 256 KiB chunks")]
    public void RawAesGcm()
    {
        for (var offset = 0; offset < Size; offset += _chunkOut.Length)
        {
            _nonce[11]++;
            _aes.Encrypt(_nonce, _plaintext.AsSpan(offset, _chunkOut.Length), _chunkOut, _tag);
        }
    }

    [Benchmark(Description = "ObjectCipher.SealAsync (stream to stream)")]
    public Task<long> Seal() => _cipher.SealAsync(new MemoryStream(_plaintext, writable: false), Stream.Null, CancellationToken.None);

    [Benchmark(Description = "ObjectCipher.OpenAsync (verify + decrypt)")]
    public Task<long> Open() => _cipher.OpenAsync(new MemoryStream(_sealed, writable: false), Stream.Null, CancellationToken.None);

    [GlobalCleanup]
    public void Cleanup() => _aes.Dispose();
}
