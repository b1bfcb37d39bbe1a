using Microsoft.Extensions.Logging.Abstractions;
using PeerVault.Node.Diagnostics;
using PeerVault.Node.Security;
using PeerVault.Node.Storage;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Storage;

public sealed class CrashSafetyTests
{
    private static readonly NodeIdentity Self = new(Guid.NewGuid(), "node1");
    private static readonly ClusterKey Key = ClusterKey.Generate();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static (ObjectStore Store, KeyIndex Index, BlobStore Blobs) Open(string root)
    {
        var keys = new KeyRing(Key, new EpochClock(TimeProvider.System, TimeSpan.FromHours(24)));
        var blobs = new BlobStore(root);
        var index = new KeyIndex(Path.Combine(root, "index.log"), TimeProvider.System, NullLogger.Instance);
        return (new ObjectStore(blobs, index, new ObjectCipher(keys), Self, new NodeTracing(Self), TimeProvider.System, NullLogger<ObjectStore>.Instance), index, blobs);
    }

    [Fact]
    public async Task A_write_abandoned_mid_way_leaves_no_visible_object_and_loses_no_acknowledged_one()
    {
        using var directory = new TempDirectory();
        var (store, index, blobs) = Open(directory.Path);
        var acknowledged = await store.PutAsync("kept.txt", new MemoryStream("acknowledged"u8.ToArray()), Ct);

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
    public async Task A_torn_last_index_line_from_a_crash_is_ignored_on_restart()
    {
        using var directory = new TempDirectory();
        var (store, index, _) = Open(directory.Path);
        await store.PutAsync("a", new MemoryStream([1, 2, 3]), Ct);
        index.Dispose();
        await File.AppendAllTextAsync(Path.Combine(directory.Path, "index.log"), "{\"key\":\"b\",\"blobId\":\"ab", Ct);

        var (restarted, restartedIndex, _) = Open(directory.Path);
        using (restartedIndex)
        {
            Assert.True(restarted.TryGetLocal("a", out _));
            Assert.False(restartedIndex.TryGet("b", out _));
        }
    }

    [Fact]
    public async Task Overwrites_and_deletes_survive_a_restart_and_release_old_blobs()
    {
        using var directory = new TempDirectory();
        var (store, index, blobs) = Open(directory.Path);
        await store.PutAsync("k", new MemoryStream([1]), Ct);
        var second = await store.PutAsync("k", new MemoryStream([2]), Ct);
        await store.PutAsync("gone", new MemoryStream([3]), Ct);
        store.Delete("gone");
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
    public async Task Writes_after_a_restart_that_had_nothing_to_compact_survive_the_next_restart()
    {
        using var directory = new TempDirectory();
        var (store, index, _) = Open(directory.Path);
        await store.PutAsync("first", new MemoryStream([1]), Ct);
        index.Dispose();
        var log = Path.Combine(directory.Path, "index.log");
        var before = await File.ReadAllTextAsync(log, Ct);

        var (second, secondIndex, _) = Open(directory.Path);
        Assert.Equal(before, await File.ReadAllTextAsync(log, Ct));
        await second.PutAsync("second", new MemoryStream([2]), Ct);
        second.Delete("first");
        Assert.Equal(1, secondIndex.Count);
        secondIndex.Dispose();

        var (third, thirdIndex, _) = Open(directory.Path);
        using (thirdIndex)
        {
            Assert.True(third.TryGetLocal("second", out _));
            Assert.False(third.TryGetLocal("first", out _));
            Assert.Equal(1, thirdIndex.Count);
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
            var entry = await origin.PutAsync("x", new MemoryStream(new byte[5000]), Ct);
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
