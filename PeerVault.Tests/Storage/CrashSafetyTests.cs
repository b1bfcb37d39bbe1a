using System.Text.Json;
using PeerVault.Node.Cluster.Versions;
using PeerVault.Node.Security;
using PeerVault.Node.Storage;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Storage;

[Trait("Category", "Unit")]
public sealed class CrashSafetyTests
{
    private static readonly NodeIdentity Self = new(Guid.NewGuid(), "node1");
    private static readonly ClusterKey Key = ClusterKey.Generate();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly HybridClock Clock = new(TimeProvider.System, Self.Id, TimeSpan.FromMinutes(5));

    private static (ObjectStore Store, KeyIndex Index, BlobStore Blobs) Open(string root)
    {
        var store = TestStores.Open(root, Key, Self);
        return (store, store.Index, store.Blobs);
    }

    /// <summary>What a node does for a client's PUT on one replica: seal, then make the entry current.</summary>
    private static async Task<IndexEntry> PutAsync(ObjectStore store, string key, byte[] content)
    {
        var (blob, lease) = await store.SealAsync(new MemoryStream(content), Ct);
        using (lease)
        {
            var version = Clock.Now();
            var entry = new IndexEntry { Key = key, BlobId = blob.Id.Value, Size = blob.Size, SealedLength = blob.SealedLength, Version = version, UpdatedAt = version.WallTime };
            await store.ApplyAsync(entry);
            return entry;
        }
    }

    private static Task<ApplyOutcome> Delete(ObjectStore store, string key) => store.ApplyTombstoneAsync(IndexEntry.Tombstone(key, Clock.Now()));

    [Fact]
    public async Task A_write_abandoned_mid_way_leaves_no_visible_object_and_loses_no_acknowledged_one()
    {
        using var directory = new TempDirectory();
        var (store, index, blobs) = Open(directory.Path);
        var acknowledged = await PutAsync(store, "kept.txt", "acknowledged"u8.ToArray());

        // The "crash": a sealed write that stops half-way and is never committed or disposed.
        var abandoned = blobs.CreateWriter();
        await store.Cipher.SealAsync(new MemoryStream(new byte[300_000]), abandoned, Ct);
        await abandoned.FlushAsync(Ct);
        Assert.Single(Directory.GetFiles(Path.Combine(directory.Path, "tmp")));
        index.Dispose();

        var (restarted, restartedIndex, restartedBlobs) = Open(directory.Path);
        using (restartedIndex)
        {
            Assert.Equal(1, restartedBlobs.RemoveTemporaryFiles());
            Assert.Empty(Directory.GetFiles(Path.Combine(directory.Path, "tmp")));
            Assert.Single(restartedBlobs.EnumerateBlobs());
            Assert.Equal(1, restartedIndex.Count);
            Assert.True(restarted.TryGetLocal("kept.txt", out var entry));
            Assert.Equal(acknowledged.BlobId, entry.BlobId);
            using var read = new MemoryStream();
            await restarted.ReadAsync(entry, read, Ct);
            Assert.Equal("acknowledged"u8.ToArray(), read.ToArray());
        }

        await abandoned.DisposeAsync();
    }

    [Fact]
    public async Task An_index_log_from_the_previous_release_is_imported_once_and_its_torn_last_line_ignored()
    {
        using var directory = new TempDirectory();
        var (store, index, _) = Open(directory.Path);
        var kept = await PutAsync(store, "a", [1, 2, 3]);
        index.Dispose();

        // What a node of the previous release left: a JSON-lines log (the last line torn by a crash), no database.
        foreach (var file in Directory.GetFiles(directory.Path, KeyIndex.FileName + "*"))
        {
            File.Delete(file);
        }

        var log = Path.Combine(directory.Path, "index.log");
        await File.WriteAllTextAsync(log, JsonSerializer.Serialize(kept, StorageJsonContext.Default.IndexEntry) + "\n{\"key\":\"b\",\"blobId\":\"ab", Ct);

        var (restarted, restartedIndex, _) = Open(directory.Path);
        using (restartedIndex)
        {
            Assert.True(restarted.TryGetLocal("a", out var entry));
            Assert.Equal(kept, entry);
            Assert.False(restartedIndex.TryGet("b", out _));
            Assert.False(File.Exists(log));
            Assert.True(File.Exists(log + ".imported"));
        }

        // Imported once: the database is the index from now on, even if an old log reappears.
        await File.WriteAllTextAsync(log, string.Empty, Ct);
        var (again, againIndex, _) = Open(directory.Path);
        using (againIndex)
        {
            Assert.True(again.TryGetLocal("a", out _));
        }
    }

    [Fact]
    public async Task Overwrites_and_deletes_survive_a_restart_and_release_old_blobs()
    {
        using var directory = new TempDirectory();
        var (store, index, blobs) = Open(directory.Path);
        await PutAsync(store, "k", [1]);
        var second = await PutAsync(store, "k", [2]);
        await PutAsync(store, "gone", [3]);
        await Delete(store, "gone");
        index.Dispose();

        var (restarted, restartedIndex, restartedBlobs) = Open(directory.Path);
        using (restartedIndex)
        {
            Assert.True(restarted.TryGetLocal("k", out var entry));
            Assert.Equal(second.BlobId, entry.BlobId);
            Assert.True(restartedIndex.TryGet("gone", out var tombstone));
            Assert.True(tombstone.Deleted);
            Assert.Equal(1, restartedIndex.Count);
            Assert.Equal([second.BlobId], restartedBlobs.EnumerateBlobs().Select(b => b.Value));
        }
    }

    [Fact]
    public async Task Writes_after_a_restart_survive_the_next_restart()
    {
        using var directory = new TempDirectory();
        var (store, index, _) = Open(directory.Path);
        await PutAsync(store, "first", [1]);
        index.Dispose();

        var (second, secondIndex, _) = Open(directory.Path);
        await PutAsync(second, "second", [2]);
        await Delete(second, "first");
        Assert.Equal(1, secondIndex.Count);
        secondIndex.Dispose();

        var (third, thirdIndex, _) = Open(directory.Path);
        using (thirdIndex)
        {
            Assert.True(third.TryGetLocal("second", out _));
            Assert.False(third.TryGetLocal("first", out _));
            Assert.Equal(1, thirdIndex.Count);
            Assert.Equal(1, thirdIndex.Tombstones);
        }
    }

    [Fact]
    public async Task A_replica_whose_bytes_do_not_match_its_announced_hash_is_not_kept()
    {
        using var source = new TempDirectory();
        using var target = new TempDirectory();
        var (origin, originIndex, _) = Open(source.Path);
        var (replica, replicaIndex, replicaBlobs) = Open(target.Path);
        using (originIndex)
        using (replicaIndex)
        {
            var entry = await PutAsync(origin, "x", new byte[5000]);
            byte[] sealedBytes;
            await using (var file = origin.OpenSealed(entry))
            {
                sealedBytes = new byte[file.Length];
                await file.ReadExactlyAsync(sealedBytes, Ct);
            }

            sealedBytes[^3] ^= 1;

            await Assert.ThrowsAsync<ObjectIntegrityException>(() => replica.AcceptReplicaAsync(entry, new MemoryStream(sealedBytes), Ct));
            Assert.Empty(replicaBlobs.EnumerateBlobs());
            Assert.Empty(Directory.GetFiles(Path.Combine(target.Path, "tmp")));
            Assert.False(replicaIndex.TryGet("x", out _));
        }
    }
}
