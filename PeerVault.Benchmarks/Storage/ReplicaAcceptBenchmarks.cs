using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using PeerVault.Node.Storage;

namespace PeerVault.Benchmarks.Storage;

/// <summary>
/// A replica arriving from a peer: <see cref="ObjectStore.AcceptReplicaAsync"/> copies the sealed
/// stream into <c>tmp/</c> while hashing it, fsyncs, renames it to its SHA-256 after checking the
/// announced id, then reads it back to verify every chunk under this node's key. The baseline is
/// the same bytes written raw + fsynced, then read back, in the same 256 KiB I/Os; both read
/// the sealed bytes from <see cref="PeerStreamStandIn"/>, one stream chunk per read. The announced
/// version is older than the key's tombstone, so the index is not written and the blob is released
/// at the end of each operation (like the baseline's file): only the blob's path is measured.
/// </summary>
[MemoryDiagnoser]
#pragma warning disable CA1001 // BenchmarkDotNet owns the lifecycle: GlobalCleanup disposes the store.
public class ReplicaAcceptBenchmarks
#pragma warning restore CA1001
{
    private readonly byte[] _buffer = new byte[BenchmarkStore.IoSize];
    private BenchmarkStore _store = null!;
    private IndexEntry _announced = null!;
    private byte[] _sealed = [];

    [Params(1 << 20, 16 << 20)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _store = new BenchmarkStore();
        var node = Guid.NewGuid();
        var entry = _store.Put("bench/replica", RandomNumberGenerator.GetBytes(Size), new ObjectVersion(1, 0, node));
        _sealed = File.ReadAllBytes(_store.Store.Blobs.PathOf(BlobId.Parse(entry.BlobId)));
        _store.Store.ApplyTombstoneAsync(IndexEntry.Tombstone(entry.Key, new ObjectVersion(2, 0, node))).GetAwaiter().GetResult();
        _announced = entry;
    }

    [Benchmark(Baseline = true, Description = "raw FileStream write + fsync + read back")]
    public async Task<long> RawWriteAndReadBack()
    {
        var path = Path.Combine(_store.Root, "raw-replica.tmp");
        await using (var file = new FileStream(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, BufferSize = 0, Options = FileOptions.Asynchronous }))
        {
            await new PeerStreamStandIn(_sealed).CopyToAsync(file, BenchmarkStore.IoSize);
            file.Flush(flushToDisk: true);
        }

        var read = await BenchmarkStore.RawReadAsync(path, _buffer);
        File.Delete(path);
        return read;
    }

    [Benchmark(Description = "ObjectStore.AcceptReplicaAsync (hash + write + fsync + rename + verify)")]
    public async Task<ApplyOutcome> Accept()
    {
        var outcome = await _store.Store.AcceptReplicaAsync(_announced, new PeerStreamStandIn(_sealed), CancellationToken.None);
        return outcome == ApplyOutcome.Superseded ? outcome : throw new InvalidOperationException($"Expected the replica to lose to the tombstone, got {outcome}.");
    }

    [GlobalCleanup]
    public void Cleanup() => _store.Dispose();
}
