using PeerVault.Node.Cluster.Membership;
using PeerVault.Node.Cluster.Placement;
using PeerVault.Node.Cluster.Versions;
using PeerVault.Node.Storage;

namespace PeerVault.Node.Cluster;

/// <summary>
/// A page of a listing across the cluster: this node's index and every connected member are asked
/// for their page after the cursor, and <see cref="ListingMerge"/> keeps the newest version of
/// each key, hides tombstones and stops where a truncated member's page ends. Like a read, a listing
/// needs a read quorum of every partition's replicas among the members that answered (any key may
/// fall in any partition); with fewer, a key written or deleted on the others could be missing or
/// shown stale, so it is refused (<see cref="ListingIncompleteException"/>) rather than served.
/// </summary>
public sealed partial class ClusterListing(ObjectStore store, MemberTable members, ReplicaClient replicas, PlacementMap placement, ClusterReadiness readiness, ILogger<ClusterListing> logger)
{
    /// <summary>A page of live keys across the cluster, in key order (<see cref="KeyOrder"/>: by code point, as S3 lists).</summary>
    public async Task<ListingPage> ListAsync(string? prefix, string? after, int limit, CancellationToken cancellationToken)
    {
        readiness.ThrowIfJoining();
        var sources = members.Snapshot().Where(m => !m.IsSelf && replicas.IsConnected(m)).ToList();
        var remote = sources.Count == 0 ? Task.FromResult<(SourcePage Page, Member Member, bool Answered)[]>([]) : Task.WhenAll(sources.Select(m => PageOfAsync(m, prefix, after, limit, cancellationToken)));

        // This node's page is read while the members answer.
        var local = store.Index.Page(prefix, after, limit);
        var pages = new List<SourcePage>(sources.Count + 1) { new(local, local.Count >= limit) };
        var answered = new HashSet<Guid> { members.SelfId };
        foreach (var (page, member, ok) in await remote)
        {
            pages.Add(page);
            if (ok)
            {
                answered.Add(member.Id);
            }
        }

        if (!placement.CoversEveryPartition(answered))
        {
            throw new ListingIncompleteException(
                $"Only {answered.Count} member(s) answered ({string.Join(", ", members.Snapshot().Where(m => answered.Contains(m.Id)).Select(m => m.Name))}): too few to hold a read quorum of every partition, so keys written or deleted on the others could be missing or stale; try again.");
        }

        return ListingMerge.Merge(pages, limit);
    }

    /// <summary>
    /// Up to <paramref name="limit"/> of a member's entries after the cursor. One answer carries at
    /// most <see cref="PeerRequestHandler.MaxEntriesPerMessage"/>, so a larger page takes several:
    /// otherwise that member's last key would bound every page to the message size, and the rest of
    /// this node's (and every other member's) page would be read only to be dropped.
    /// </summary>
    private async Task<(SourcePage Page, Member Member, bool Answered)> PageOfAsync(Member member, string? prefix, string? after, int limit, CancellationToken cancellationToken)
    {
        var entries = new List<IndexEntry>();
        try
        {
            while (true)
            {
                var (page, truncated) = await replicas.ListAsync(member, prefix, after, limit - entries.Count, cancellationToken);
                EnsureAscending(member, page, entries.Count > 0 ? entries[^1].Key : after);
                entries.AddRange(page);
                if (!truncated || page.Count == 0 || entries.Count >= limit)
                {
                    return (new SourcePage(entries, truncated && page.Count > 0), member, true);
                }

                after = page[^1].Key;
            }
        }
        catch (Exception ex) when (ex is IOException or TimeoutException or InvalidEntryException or VersionFromFutureException)
        {
            // What arrived before the failure still counts, as a truncated page: keys past its last
            // one are not known from this member, and keys up to it are (the merge stops there).
            // A member that sent nothing has not answered.
            LogListFailed(member.Name, ex.Message);
            return (new SourcePage(entries, Truncated: entries.Count > 0), member, entries.Count > 0);
        }
    }

    /// <summary>The merge relies on every page being in key order past the cursor; a member's page that is not counts as a failed answer.</summary>
    private static void EnsureAscending(Member member, IReadOnlyList<IndexEntry> page, string? after)
    {
        var previous = after;
        foreach (var entry in page)
        {
            if (previous is not null && KeyOrder.Instance.Compare(previous, entry.Key) >= 0)
            {
                throw new InvalidEntryException($"{member.Name} listed '{entry.Key}' after '{previous}', out of key order.");
            }

            previous = entry.Key;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Listing keys on {PeerName} failed: {Error}")]
    private partial void LogListFailed(string peerName, string error);
}
