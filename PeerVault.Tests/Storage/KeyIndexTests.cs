using System.Text;
using CsCheck;
using Microsoft.Extensions.Logging.Abstractions;
using PeerVault.Node.Storage;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Storage;

[Trait("Category", "Unit")]
public sealed class KeyIndexTests
{
    private static readonly Guid Writer = Guid.NewGuid();

    private static KeyIndex Open(TempDirectory directory) => new(directory.Sub(KeyIndex.FileName), NullLogger.Instance);

    private static IndexEntry Live(string key, long wall, string? blob = null) => new()
    {
        Key = key,
        BlobId = blob ?? Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(key))),
        Size = 10,
        SealedLength = 100,
        Version = new ObjectVersion(wall, 0, Writer),
        UpdatedAt = DateTimeOffset.FromUnixTimeMilliseconds(wall),
    };

    [Fact]
    public async Task Concurrent_writers_share_commits_and_every_acknowledged_change_survives_a_restart()
    {
        using var directory = new TempDirectory();
        const int writers = 300;
        using (var index = Open(directory))
        {
            var changes = Enumerable.Range(0, writers).Select(i => index.ApplyAsync(Live($"k{i:D4}", 1_000 + i))).ToList();
            var results = await Task.WhenAll(changes);

            Assert.All(results, r => Assert.Equal(ApplyOutcome.Applied, r.Outcome));

            // Group commit: the writers queued behind one fsync together instead of one fsync each.
            Assert.True(index.Commits < writers / 2, $"{index.Commits} commits for {writers} concurrent changes");
        }

        using var restarted = Open(directory);
        Assert.Equal(writers, restarted.Count);
        Assert.True(restarted.TryGet("k0299", out var last));
        Assert.Equal(new ObjectVersion(1_299, 0, Writer), last.Version);
        Assert.Equal(new ObjectVersion(1_299, 0, Writer), restarted.MaxVersion);
    }

    [Fact]
    public async Task Changes_in_one_batch_see_each_other_so_only_the_newest_version_of_a_key_wins()
    {
        using var directory = new TempDirectory();
        using var index = Open(directory);
        var older = Live("k", 1, blob: new string('a', 64));
        var newer = Live("k", 2, blob: new string('b', 64));

        var results = await Task.WhenAll(index.ApplyAsync(newer), index.ApplyAsync(older), index.ApplyAsync(newer));

        Assert.Equal([ApplyOutcome.Applied, ApplyOutcome.Superseded, ApplyOutcome.Duplicate], results.Select(r => r.Outcome));
        Assert.True(index.TryGet("k", out var held));
        Assert.Equal(newer, held);
        Assert.False(index.References(BlobId.Parse(older.BlobId!)));
        Assert.True(index.References(BlobId.Parse(newer.BlobId!)));
    }

    [Fact]
    public async Task An_overwrite_names_the_blob_the_key_no_longer_references_and_a_forget_only_drops_the_version_it_names()
    {
        using var directory = new TempDirectory();
        using var index = Open(directory);
        var first = Live("k", 1, blob: new string('a', 64));
        var second = Live("k", 2, blob: new string('b', 64));
        await index.ApplyAsync(first);

        var overwrite = await index.ApplyAsync(second);
        Assert.Equal(first.BlobId, overwrite.Released?.Value);
        Assert.Equal(first, overwrite.Previous);

        var stale = await index.ForgetAsync("k", first.Version);
        Assert.NotEqual(ApplyOutcome.Applied, stale.Outcome);
        Assert.True(index.TryGet("k", out _));

        var forgotten = await index.ForgetAsync("k", second.Version);
        Assert.Equal(ApplyOutcome.Applied, forgotten.Outcome);
        Assert.Equal(second.BlobId, forgotten.Released?.Value);
        Assert.False(index.TryGet("k", out _));
        Assert.Equal(0, index.Count);
        Assert.True(index.DigestOf(KeyPartition.Of("k")).IsEmpty);
    }

    [Fact]
    public async Task Partition_digests_and_counts_are_the_same_after_a_restart_without_reading_the_entries_again()
    {
        using var directory = new TempDirectory();
        var keys = Enumerable.Range(0, 200).Select(i => $"obj/{i}").ToList();
        Dictionary<int, (PartitionDigest Digest, int Count)> before;
        using (var index = Open(directory))
        {
            await Task.WhenAll(keys.Select((k, i) => index.ApplyAsync(Live(k, 10 + i))));
            await index.ApplyAsync(IndexEntry.Tombstone("obj/7", new ObjectVersion(5_000, 0, Writer)));
            before = index.OccupiedPartitions().ToDictionary(p => p, p => (index.DigestOf(p), index.CountIn(p)));
            Assert.Equal(199, index.Count);
            Assert.Equal(1, index.Tombstones);
        }

        using var restarted = Open(directory);
        Assert.Equal(before.Keys.Order(), restarted.OccupiedPartitions());
        Assert.All(before, p => Assert.Equal(p.Value, (restarted.DigestOf(p.Key), restarted.CountIn(p.Key))));
        Assert.Equal(199, restarted.Count);
        Assert.Equal(1, restarted.Tombstones);
        Assert.Equal(199 * 100, restarted.LiveSealedBytes);

        // The digest the summary kept equals the one the entries give.
        var partition = KeyPartition.Of("obj/7");
        var recomputed = restarted.EntriesIn(partition).Aggregate(PartitionDigest.Empty, (d, e) => d.Xor(PartitionDigest.Of(e)));
        Assert.Equal(recomputed, restarted.DigestOf(partition));
    }

    [Fact]
    public async Task Pages_list_keys_in_code_point_order_with_prefix_and_after_and_cover_every_key_once()
    {
        using var directory = new TempDirectory();
        using var index = Open(directory);

        // U+1F600 (a surrogate pair in UTF-16) sorts after U+E000 and U+FFFD by code point, before them by UTF-16 unit.
        string[] keys = ["p/a", "p/b", "p/\uE000", "p/\uFFFD", "p/\U0001F600", "q/1", "o/1"];
        await Task.WhenAll(keys.Select((k, i) => index.ApplyAsync(Live(k, 1 + i))));

        var all = index.Page("p/", null, 100).Select(e => e.Key).ToList();
        Assert.Equal(["p/a", "p/b", "p/\uE000", "p/\uFFFD", "p/\U0001F600"], all);
        Assert.Equal(all, all.Order(KeyOrder.Instance));

        var paged = new List<string>();
        string? after = null;
        while (index.Page("p/", after, 2) is { Count: > 0 } page)
        {
            paged.AddRange(page.Select(e => e.Key));
            after = page[^1].Key;
        }

        Assert.Equal(all, paged);
        Assert.Equal(["q/1"], index.Page(null, "p/\U0001F600", 10).Select(e => e.Key));
    }

    [Fact]
    public async Task Every_blob_is_enumerated_once_however_many_keys_share_it()
    {
        using var directory = new TempDirectory();
        using var index = Open(directory);
        var shared = new string('c', 64);
        await Task.WhenAll(Enumerable.Range(0, 50).Select(i => index.ApplyAsync(Live($"k{i}", 1 + i, blob: i % 5 == 0 ? shared : null))));

        var blobs = index.EnumerateBlobs(pageSize: 7).Select(e => e.BlobId).ToList();

        Assert.Equal(41, blobs.Count);
        Assert.Equal(blobs.Distinct(StringComparer.Ordinal).Count(), blobs.Count);
        Assert.Contains(shared, blobs);
    }

    [Fact]
    public void Key_order_is_the_order_of_the_keys_utf8_bytes()
    {
        var codePoint = Gen.OneOf(Gen.Int[0x20, 0x7F], Gen.Int[0xA0, 0xD7FF], Gen.Int[0xE000, 0xFFFD], Gen.Int[0x10000, 0x10FFFF]);
        var key = codePoint.Array[0, 6].Select(cps => string.Concat(cps.Select(char.ConvertFromUtf32)));
        Gen.Select(key, key).Sample((a, b) =>
        {
            var bytes = Math.Sign(Encoding.UTF8.GetBytes(a).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(b)));
            Assert.Equal(bytes, Math.Sign(KeyOrder.Instance.Compare(a, b)));
        });
    }
}
