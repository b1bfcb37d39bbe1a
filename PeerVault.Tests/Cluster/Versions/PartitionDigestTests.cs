using PeerVault.Node.Storage;

namespace PeerVault.Tests.Cluster.Versions;

[Trait("Category", "Unit")]
public sealed class PartitionDigestTests
{
    private static IndexEntry Entry(string key, long wall, bool deleted = false) => new()
    {
        Key = key,
        Version = new ObjectVersion(wall, 0, Guid.Empty),
        BlobId = deleted ? null : new string('a', 64),
        Size = deleted ? 0 : 10,
        SealedLength = deleted ? 0 : 200,
        Deleted = deleted,
    };

    [Fact]
    public void The_digest_of_a_set_of_entries_does_not_depend_on_the_order_they_were_added_in()
    {
        var entries = Enumerable.Range(0, 50).Select(i => Entry($"k{i}", 1000 + i)).ToList();
        var forward = entries.Aggregate(PartitionDigest.Empty, (d, e) => d.Xor(PartitionDigest.Of(e)));
        var backward = entries.AsEnumerable().Reverse().Aggregate(PartitionDigest.Empty, (d, e) => d.Xor(PartitionDigest.Of(e)));
        Assert.Equal(forward, backward);
        Assert.False(forward.IsEmpty);
    }

    [Fact]
    public void A_newer_version_a_delete_or_a_missing_entry_changes_the_digest_and_undoing_it_restores_it()
    {
        var base_ = new[] { Entry("a", 1), Entry("b", 2) }.Aggregate(PartitionDigest.Empty, (d, e) => d.Xor(PartitionDigest.Of(e)));
        var newer = base_.Xor(PartitionDigest.Of(Entry("b", 2))).Xor(PartitionDigest.Of(Entry("b", 3)));
        var deleted = base_.Xor(PartitionDigest.Of(Entry("b", 2))).Xor(PartitionDigest.Of(Entry("b", 3, deleted: true)));
        var missing = base_.Xor(PartitionDigest.Of(Entry("b", 2)));

        Assert.NotEqual(base_, newer);
        Assert.NotEqual(base_, deleted);
        Assert.NotEqual(newer, deleted);
        Assert.NotEqual(base_, missing);
        Assert.Equal(base_, missing.Xor(PartitionDigest.Of(Entry("b", 2))));
        Assert.True(PartitionDigest.TryParse(newer.ToString(), out var parsed) && parsed == newer);
    }

    [Fact]
    public async Task Two_key_indexes_with_the_same_entries_have_the_same_partition_digests_whatever_their_history()
    {
        using var one = new TempIndex();
        using var two = new TempIndex();
        await one.Index.ApplyAsync(Entry("x", 1));
        await one.Index.ApplyAsync(Entry("x", 5));
        await one.Index.ApplyAsync(Entry("y", 2));
        await one.Index.ApplyAsync(Entry("gone", 3));
        await one.Index.ApplyAsync(Entry("gone", 4, deleted: true));

        await two.Index.ApplyAsync(Entry("gone", 4, deleted: true));
        await two.Index.ApplyAsync(Entry("y", 2));
        await two.Index.ApplyAsync(Entry("x", 5));

        foreach (var key in new[] { "x", "y", "gone" })
        {
            var partition = KeyPartition.Of(key);
            Assert.Equal(one.Index.DigestOf(partition), two.Index.DigestOf(partition));
        }

        await two.Index.ForgetAsync("y", new ObjectVersion(2, 0, Guid.Empty));
        Assert.NotEqual(one.Index.DigestOf(KeyPartition.Of("y")), two.Index.DigestOf(KeyPartition.Of("y")));
    }

    private sealed class TempIndex : IDisposable
    {
        private readonly Infrastructure.TempDirectory _directory = new();

        public TempIndex() => Index = new KeyIndex(Path.Combine(_directory.Path, KeyIndex.FileName), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);

        public KeyIndex Index { get; }

        public void Dispose()
        {
            Index.Dispose();
            _directory.Dispose();
        }
    }
}
