using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using PeerVault.Node.Storage;

namespace PeerVault.Benchmarks.Storage;

/// <summary>
/// The PUT path's local write: <see cref="ObjectStore.SealAsync"/> seals a plaintext stream into
/// <c>tmp/</c> while hashing it, fsyncs, renames it to its SHA-256 and fsyncs the directory. The
/// baseline is a raw <see cref="FileStream"/> write + fsync of as many bytes as the sealed object,
/// in the same 256 KiB writes. The blob is released after each write (no entry references it),
/// so every operation writes a new file, like the baseline.
/// </summary>
[MemoryDiagnoser]
#pragma warning disable CA1001 // BenchmarkDotNet owns the lifecycle: GlobalCleanup disposes the store.
public class ContentAddressedWriteBenchmarks
#pragma warning restore CA1001
{
    private BenchmarkStore _store = null!;
    private byte[] _plaintext = [];
    private byte[] _sealedSizedBytes = [];

    [Params(1 << 20, 16 << 20)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _store = new BenchmarkStore();
        _plaintext = RandomNumberGenerator.GetBytes(Size);
        _sealedSizedBytes = RandomNumberGenerator.GetBytes(checked((int)ObjectCipher.SealedLength(Size, ObjectCipher.DefaultChunkSize)));
    }

    [Benchmark(Baseline = true, Description = "raw FileStream write + fsync of the sealed size")]
    public Task<long> RawWrite() => _store.RawWriteAndFsyncAsync(_sealedSizedBytes);

    [Benchmark(Description = "ObjectStore.SealAsync (seal + hash + write + fsync + rename)")]
    public async Task<long> SealAndCommit()
    {
        var (blob, lease) = await _store.Store.SealAsync(new MemoryStream(_plaintext, writable: false), CancellationToken.None);
        lease.Dispose();
        return blob.SealedLength;
    }

    [GlobalCleanup]
    public void Cleanup() => _store.Dispose();
}
