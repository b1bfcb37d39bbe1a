using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using PeerVault.Node.Storage;

namespace PeerVault.Benchmarks.Storage;

/// <summary>
/// The GET path's local read, <see cref="ObjectStore.ReadAsync"/> (open the blob, verify and
/// decrypt every chunk), and the scrub's check, <see cref="ObjectStore.VerifyAsync"/> (every tag,
/// sizes and the SHA-256 the blob is named by), against a raw <see cref="FileStream"/> read of the
/// same blob file in the same 256 KiB reads. The file is in the page cache after the first run,
/// so this is the CPU cost of the format, not the disk's.
/// </summary>
[MemoryDiagnoser]
#pragma warning disable CA1001 // BenchmarkDotNet owns the lifecycle: GlobalCleanup disposes the store.
public class ObjectReadBenchmarks
#pragma warning restore CA1001
{
    private readonly byte[] _buffer = new byte[BenchmarkStore.IoSize];
    private BenchmarkStore _store = null!;
    private IndexEntry _entry = null!;
    private string _blobPath = "";

    [Params(1 << 20, 16 << 20)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _store = new BenchmarkStore();
        _entry = _store.Put("bench/object", RandomNumberGenerator.GetBytes(Size), new ObjectVersion(1, 0, Guid.NewGuid()));
        _blobPath = _store.Store.Blobs.PathOf(BlobId.Parse(_entry.BlobId));
    }

    [Benchmark(Baseline = true, Description = "raw FileStream read of the blob")]
    public Task<long> RawRead() => BenchmarkStore.RawReadAsync(_blobPath, _buffer);

    [Benchmark(Description = "ObjectStore.ReadAsync (GET: verify + decrypt)")]
    public Task<long> Read() => _store.Store.ReadAsync(_entry, Stream.Null, CancellationToken.None);

    [Benchmark(Description = "ObjectStore.VerifyAsync (scrub: tags + sizes + SHA-256)")]
    public async Task<long> Verify()
    {
        await _store.Store.VerifyAsync(_entry, afterRead: null, CancellationToken.None);
        return _entry.SealedLength;
    }

    [GlobalCleanup]
    public void Cleanup() => _store.Dispose();
}
