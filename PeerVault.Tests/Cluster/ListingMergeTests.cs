using CsCheck;
using PeerVault.Node.Cluster;
using PeerVault.Node.Storage;

namespace PeerVault.Tests.Cluster;

/// <summary>
/// The k-way merge of the members' listing pages: newest version of a key wins whichever member
/// holds it, tombstones hide older copies but are not listed, a truncated member bounds the page,
/// and keys come out in code-point order.
/// </summary>
[Trait("Category", "Unit")]
public sealed class ListingMergeTests
{
    private static readonly Guid Writer = Guid.Parse("7c9e6679-7425-40de-944b-e07fc1f90ae7");

    private static IndexEntry Live(string key, long wall) => new()
    {
        Key = key,
        BlobId = new string('a', 64),
        Size = 1,
        SealedLength = 100,
        Version = new ObjectVersion(wall, 0, Writer),
        UpdatedAt = DateTimeOffset.FromUnixTimeMilliseconds(wall),
    };

    private static IndexEntry Deleted(string key, long wall) => IndexEntry.Tombstone(key, new ObjectVersion(wall, 0, Writer));

    private static SourcePage Source(bool truncated, params IndexEntry[] entries) => new(entries, truncated);

    [Fact]
    public void The_newest_version_of_a_key_wins_across_members()
    {
        var page = ListingMerge.Merge([Source(false, Live("a", 1), Live("b", 5)), Source(false, Live("a", 3), Live("b", 2))], limit: 10);

        Assert.Equal([("a", 3L), ("b", 5L)], page.Entries.Select(e => (e.Key, e.Version.WallMs)));
        Assert.Null(page.Next);
    }

    [Fact]
    public void A_newer_tombstone_hides_an_older_copy_and_an_older_one_does_not()
    {
        var page = ListingMerge.Merge([Source(false, Deleted("a", 2), Deleted("b", 1), Deleted("c", 1)), Source(false, Live("a", 1), Live("b", 2))], limit: 10);

        Assert.Equal([("b", 2L)], page.Entries.Select(e => (e.Key, e.Version.WallMs)));
    }

    [Fact]
    public void A_truncated_member_bounds_the_page_at_its_last_key()
    {
        // The first member stopped at "b": it may hold a newer "c" or a tombstone for "d".
        var page = ListingMerge.Merge([Source(true, Live("a", 1), Live("b", 1)), Source(false, Live("a", 1), Live("c", 1), Live("d", 1))], limit: 10);

        Assert.Equal(["a", "b"], page.Entries.Select(e => e.Key));
        Assert.Equal("b", page.Next);
    }

    [Fact]
    public void A_full_page_continues_after_its_last_key_and_one_that_ends_at_the_limit_does_not()
    {
        var more = ListingMerge.Merge([Source(false, Live("a", 1), Live("b", 1), Live("c", 1))], limit: 2);
        var exact = ListingMerge.Merge([Source(false, Live("a", 1), Live("b", 1), Deleted("c", 1))], limit: 2);

        Assert.Equal(["a", "b"], more.Entries.Select(e => e.Key));
        Assert.Equal("b", more.Next);
        Assert.Equal(["a", "b"], exact.Entries.Select(e => e.Key));
        Assert.Null(exact.Next);
    }

    [Fact]
    public void Keys_come_out_in_code_point_order_not_utf16_order()
    {
        // U+FF61 is below U+1F600 by code point, above its surrogates by UTF-16 code unit.
        var page = ListingMerge.Merge([Source(false, Live("k\uFF61", 1), Live("k\U0001F600", 1)), Source(false, Live("k\u00E9", 1), Live("k\U0001F600", 2))], limit: 10);

        Assert.Equal(["k\u00E9", "k\uFF61", "k\U0001F600"], page.Entries.Select(e => e.Key));
        Assert.Equal(2, page.Entries[^1].Version.WallMs);
    }

    [Fact]
    public void Merging_gives_what_collecting_every_entry_and_sorting_gives()
    {
        var keys = Gen.OneOf(Gen.Const("a"), Gen.Const("b"), Gen.Const("b/\u00E9"), Gen.Const("c"), Gen.Const("d\uE000"), Gen.Const("d\U0001F600"), Gen.Const("e"));
        var entry = Gen.Select(keys, Gen.Long[1, 4], Gen.Bool).Select((key, wall, deleted) => deleted ? Deleted(key, wall) : Live(key, wall));
        var source = Gen.Select(entry.Array[0, 7], Gen.Bool).Select((entries, truncated) => new SourcePage(
            [.. entries.DistinctBy(e => e.Key).OrderBy(e => e.Key, KeyOrder.Instance)],
            truncated));
        Gen.Select(source.Array[1, 4], Gen.Int[1, 5]).Sample((sources, limit) =>
        {
            var expected = CollectAndSort(sources, limit);
            var merged = ListingMerge.Merge(sources, limit);

            Assert.Equal(expected.Entries.Select(e => (e.Key, e.Version)), merged.Entries.Select(e => (e.Key, e.Version)));
            Assert.Equal(expected.Next, merged.Next);
        });
    }

    /// <summary>The coordinator's listing before the k-way merge: every entry into a dictionary, newest kept, then sorted.</summary>
    private static ListingPage CollectAndSort(IReadOnlyList<SourcePage> sources, int limit)
    {
        var bound = sources.Where(p => p.Truncated && p.Entries.Count > 0).Select(p => p.Entries[^1].Key).Min(KeyOrder.Instance);
        var newest = new Dictionary<string, IndexEntry>(StringComparer.Ordinal);
        foreach (var entry in sources.SelectMany(p => p.Entries))
        {
            if (bound is null || KeyOrder.Instance.Compare(entry.Key, bound) <= 0)
            {
                newest[entry.Key] = newest.TryGetValue(entry.Key, out var known) && known.Version >= entry.Version ? known : entry;
            }
        }

        var live = newest.Values.Where(e => !e.Deleted).OrderBy(e => e.Key, KeyOrder.Instance).ToList();
        return live.Count > limit ? new ListingPage([.. live.Take(limit)], live[limit - 1].Key) : new ListingPage(live, bound);
    }
}
