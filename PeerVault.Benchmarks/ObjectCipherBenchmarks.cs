using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using PeerVault.Node.Security;
using PeerVault.Node.Storage;

namespace PeerVault.Benchmarks;

/// <summary>
/// Sealing and opening a 16 MiB object, against a baseline in the same run: plain AES-256-GCM over
/// the same bytes in the same 256 KiB chunks, with no header, record framing or streaming. The
/// ratio is what PeerVault's object format and stream plumbing cost on top of the cipher itself.
/// </summary>
[MemoryDiagnoser]
#pragma warning disable CA1001 // BenchmarkDotNet owns the lifecycle: GlobalCleanup disposes the cipher.
public class ObjectCipherBenchmarks
#pragma warning restore CA1001
{
    private const int Size = 16 << 20;
    private readonly byte[] _plaintext = RandomNumberGenerator.GetBytes(Size);
    private readonly byte[] _chunkOut = new byte[ObjectCipher.DefaultChunkSize];
    private readonly byte[] _tag = new byte[16];
    private readonly byte[] _nonce = new byte[12];
    private AesGcm _aes = null!;
    private readonly ObjectCipher _cipher = new(new KeyRing(ClusterKey.Generate(), new EpochClock(TimeProvider.System, EpochClock.DefaultLength)));
    private byte[] _sealed = [];

    [GlobalSetup]
    public void Setup()
    {
        _aes = new AesGcm(RandomNumberGenerator.GetBytes(32), 16);
        using var output = new MemoryStream();
        _cipher.SealAsync(new MemoryStream(_plaintext), output, CancellationToken.None).GetAwaiter().GetResult();
        _sealed = output.ToArray();
    }

    [Benchmark(Baseline = true, Description = "AES-256-GCM, raw 256 KiB chunks")]
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
