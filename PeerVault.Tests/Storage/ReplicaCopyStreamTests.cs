using PeerVault.Node.Cluster.Versions;
using PeerVault.Node.Security;
using PeerVault.Node.Storage;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Storage;

/// <summary>
/// A copy kept from sealed bytes that a reader verifies as they pass: kept only when the reader
/// verified every chunk to the end and the bytes hash to the announced id; otherwise nothing is
/// visible and no temporary file is left.
/// </summary>
[Trait("Category", "Unit")]
public sealed class ReplicaCopyStreamTests
{
    private static readonly NodeIdentity Self = new(Guid.NewGuid(), "node1");
    private static readonly ClusterKey Key = ClusterKey.Generate();
    private static readonly HybridClock Clock = new(TimeProvider.System, Self.Id, TimeSpan.FromMinutes(5));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Bytes_verified_to_the_end_are_kept_under_their_id_and_read_back_the_same()
    {
        using var directory = new TempDirectory();
        var content = DemoFiles.RandomBytes((1 << 20) + 333, seed: 51);
        var (entry, sealedBytes) = await SealElsewhereAsync(directory, content);
        var store = Open(Path.Combine(directory.Path, "replica"));

        var served = new MemoryStream();
        ApplyOutcome outcome;
        await using (var copy = store.BeginCopy(entry, new MemoryStream(sealedBytes)))
        {
            var size = await store.Cipher.OpenAsync(copy, served, Ct);
            outcome = await store.KeepCopyAsync(copy, size, Ct);
        }

        Assert.Equal(ApplyOutcome.Applied, outcome);
        Assert.Equal(content, served.ToArray());
        Assert.True(store.TryGetLocal(entry.Key, out _));
        var readBack = new MemoryStream();
        await store.ReadAsync(entry, readBack, Ct);
        Assert.Equal(content, readBack.ToArray());
        Assert.Empty(TemporaryFiles(store));
    }

    [Fact]
    public async Task A_chunk_that_fails_verification_mid_way_leaves_nothing()
    {
        using var directory = new TempDirectory();
        var (entry, sealedBytes) = await SealElsewhereAsync(directory, DemoFiles.RandomBytes((1 << 20) + 1, seed: 52));
        sealedBytes[SealedObjectHeader.Size + (2 * ((256 * 1024) + 21)) + 100] ^= 0x40;
        var store = Open(Path.Combine(directory.Path, "replica"));

        await using (var copy = store.BeginCopy(entry, new MemoryStream(sealedBytes)))
        {
            await Assert.ThrowsAsync<ObjectIntegrityException>(() => store.Cipher.OpenAsync(copy, Stream.Null, Ct));
        }

        Assert.False(store.TryGetLocal(entry.Key, out _));
        Assert.False(store.Blobs.Exists(BlobId.Parse(entry.BlobId)));
        Assert.Empty(TemporaryFiles(store));
    }

    [Fact]
    public async Task A_copy_whose_reader_stopped_before_the_end_is_refused()
    {
        using var directory = new TempDirectory();
        var (entry, sealedBytes) = await SealElsewhereAsync(directory, DemoFiles.RandomBytes((1 << 20) + 1, seed: 53));
        var store = Open(Path.Combine(directory.Path, "replica"));

        await using (var copy = store.BeginCopy(entry, new MemoryStream(sealedBytes)))
        {
            // A range read verifies only the chunks it needs and stops there.
            var size = await store.Cipher.OpenRangeAsync(copy, 0, 1000, Stream.Null, Ct);
            await Assert.ThrowsAsync<ObjectIntegrityException>(() => store.KeepCopyAsync(copy, size, Ct));
        }

        Assert.False(store.TryGetLocal(entry.Key, out _));
        Assert.Empty(TemporaryFiles(store));
    }

    [Fact]
    public async Task Bytes_that_verify_but_hash_to_another_id_than_announced_are_refused()
    {
        using var directory = new TempDirectory();
        var (entry, sealedBytes) = await SealElsewhereAsync(directory, DemoFiles.RandomBytes(300_000, seed: 54));
        var (other, _) = await SealElsewhereAsync(directory, DemoFiles.RandomBytes(10, seed: 55));
        var misnamed = entry with { BlobId = other.BlobId };
        var store = Open(Path.Combine(directory.Path, "replica"));

        await using (var copy = store.BeginCopy(misnamed, new MemoryStream(sealedBytes)))
        {
            var size = await store.Cipher.OpenAsync(copy, Stream.Null, Ct);
            await Assert.ThrowsAsync<ObjectIntegrityException>(() => store.KeepCopyAsync(copy, size, Ct));
        }

        Assert.False(store.TryGetLocal(entry.Key, out _));
        Assert.Empty(TemporaryFiles(store));
    }

    [Fact]
    public async Task A_streamed_replica_named_by_the_entry_after_its_bytes_is_kept_under_that_entry()
    {
        using var directory = new TempDirectory();
        var content = DemoFiles.RandomBytes((1 << 20) + 77, seed: 56);
        var (entry, sealedBytes) = await SealElsewhereAsync(directory, content);
        var store = Open(Path.Combine(directory.Path, "replica"));

        var outcome = await store.AcceptStreamedReplicaAsync(entry.Key, sealedBytes.Length, new MemoryStream(sealedBytes), _ => Task.FromResult(entry), Ct);

        Assert.Equal(ApplyOutcome.Applied, outcome);
        Assert.True(store.TryGetLocal(entry.Key, out var held));
        Assert.Equal(entry.BlobId, held.BlobId);
        Assert.Equal(entry.Version, held.Version);
        var readBack = new MemoryStream();
        await store.ReadAsync(held, readBack, Ct);
        Assert.Equal(content, readBack.ToArray());
        Assert.Empty(TemporaryFiles(store));
    }

    [Fact]
    public async Task A_streamed_replica_whose_entry_names_other_bytes_another_key_or_never_comes_leaves_nothing()
    {
        using var directory = new TempDirectory();
        var (entry, sealedBytes) = await SealElsewhereAsync(directory, DemoFiles.RandomBytes(300_000, seed: 57));
        var (other, _) = await SealElsewhereAsync(directory, DemoFiles.RandomBytes(10, seed: 58));
        var store = Open(Path.Combine(directory.Path, "replica"));

        Task<ApplyOutcome> Accept(Func<CancellationToken, Task<IndexEntry>> readEntry)
            => store.AcceptStreamedReplicaAsync(entry.Key, sealedBytes.Length, new MemoryStream(sealedBytes), readEntry, Ct);

        await Assert.ThrowsAsync<ObjectIntegrityException>(() => Accept(_ => Task.FromResult(entry with { BlobId = other.BlobId })));
        await Assert.ThrowsAsync<ObjectIntegrityException>(() => Accept(_ => Task.FromResult(entry with { Key = "elsewhere.bin" })));
        await Assert.ThrowsAsync<ObjectIntegrityException>(() => Accept(_ => Task.FromResult(entry with { Size = entry.Size + 1 })));
        await Assert.ThrowsAsync<IOException>(() => Accept(_ => throw new IOException("The coordinator aborted the write.")));

        // Bytes cut short of the announced length never reach the entry.
        await Assert.ThrowsAsync<ObjectIntegrityException>(() => store.AcceptStreamedReplicaAsync(
            entry.Key, sealedBytes.Length, new MemoryStream(sealedBytes, 0, sealedBytes.Length - 100), _ => Task.FromResult(entry), Ct));

        Assert.False(store.TryGetLocal(entry.Key, out _));
        Assert.Empty(TemporaryFiles(store));
        Assert.Empty(store.Blobs.EnumerateBlobs());
    }

    private static ObjectStore Open(string root) => TestStores.Open(root, Key, Self);

    /// <summary>Seals <paramref name="content"/> on another node's store; returns its entry and sealed bytes (small objects only).</summary>
    private static async Task<(IndexEntry Entry, byte[] Sealed)> SealElsewhereAsync(TempDirectory directory, byte[] content)
    {
        var origin = Open(Path.Combine(directory.Path, $"origin-{Guid.NewGuid():N}"));
        var (blob, lease) = await origin.SealAsync(new MemoryStream(content), Ct);
        using (lease)
        {
            var version = Clock.Now();
            var entry = new IndexEntry { Key = "copied.bin", BlobId = blob.Id.Value, Size = blob.Size, SealedLength = blob.SealedLength, Version = version, UpdatedAt = version.WallTime };
            return (entry, await File.ReadAllBytesAsync(origin.Blobs.PathOf(blob.Id), Ct));
        }
    }

    private static string[] TemporaryFiles(ObjectStore store) => Directory.GetFiles(Path.Combine(store.Blobs.Root, "tmp"));
}
