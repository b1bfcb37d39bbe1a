using PeerVault.Node.Storage;

namespace PeerVault.Node.Cluster;

/// <summary>
/// One member's answer to a listing: entries (tombstones included) in key order
/// (<see cref="KeyOrder"/>), and whether it stopped at its limit, so it may hold more keys after
/// its last one.
/// </summary>
public readonly record struct SourcePage(IReadOnlyList<IndexEntry> Entries, bool Truncated);

/// <summary>
/// Merges the members' pages of a listing into one page of live keys. Every page is already in
/// key order, so this is a k-way merge that walks each page once and stops as soon as the page is
/// full, instead of hashing and sorting every entry of every page (k is the number of members, a
/// handful, so the smallest head is found by looking at each).
/// </summary>
public static class ListingMerge
{
    public static ListingPage Merge(IReadOnlyList<SourcePage> sources, int limit)
    {
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);

        // A truncated source may hold more keys after its last one: only keys up to the smallest
        // such bound are complete, since a key past it might be newer (or deleted) there.
        string? bound = null;
        foreach (var source in sources)
        {
            if (source.Truncated && source.Entries.Count > 0 && (bound is null || KeyOrder.Instance.Compare(source.Entries[^1].Key, bound) < 0))
            {
                bound = source.Entries[^1].Key;
            }
        }

        var positions = new int[sources.Count];
        var live = new List<IndexEntry>(Math.Min(limit, sources.Sum(s => s.Entries.Count)));
        while (NextKey(sources, positions) is { } newest)
        {
            if (bound is not null && KeyOrder.Instance.Compare(newest.Key, bound) > 0)
            {
                break;
            }

            // Tombstones take part in newest-wins (a delete hides an older copy elsewhere) but are
            // not listed.
            if (!newest.Deleted)
            {
                if (live.Count == limit)
                {
                    // There is at least one more live key: the next page starts after this one's last.
                    return new ListingPage(live, live[^1].Key);
                }

                live.Add(newest);
            }
        }

        return new ListingPage(live, bound);
    }

    /// <summary>The newest entry of the smallest key at the sources' heads; moves every source past that key.</summary>
    private static IndexEntry? NextKey(IReadOnlyList<SourcePage> sources, int[] positions)
    {
        IndexEntry? newest = null;
        for (var s = 0; s < sources.Count; s++)
        {
            var entries = sources[s].Entries;
            if (positions[s] == entries.Count)
            {
                continue;
            }

            var head = entries[positions[s]];
            var order = newest is null ? -1 : KeyOrder.Instance.Compare(head.Key, newest.Key);
            if (order < 0 || (order == 0 && head.Version > newest!.Version))
            {
                newest = head;
            }
        }

        if (newest is not null)
        {
            for (var s = 0; s < sources.Count; s++)
            {
                var entries = sources[s].Entries;
                if (positions[s] < entries.Count && string.Equals(entries[positions[s]].Key, newest.Key, StringComparison.Ordinal))
                {
                    positions[s]++;
                }
            }
        }

        return newest;
    }
}
