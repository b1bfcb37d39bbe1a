using System.Threading.Channels;
using PeerVault.Node.Cluster.Membership;
using PeerVault.Node.Cluster.Placement;
using PeerVault.Node.Cluster.Versions;
using PeerVault.Node.Diagnostics;
using PeerVault.Node.Storage;

namespace PeerVault.Node.Cluster.Repair;

/// <summary>What one anti-entropy pass did.</summary>
public sealed record SyncReport(int Peers, int PartitionsCompared, int PartitionsDiffering, int Pulled, int Pushed, int Offloaded, int Failed)
{
    /// <summary>The peer had more to send than one answer carried.</summary>
    public bool Truncated { get; init; }
}

/// <summary>
/// Makes replicas agree without any client reading their keys, as Cassandra's repair and Garage's
/// table sync do. With each peer, this node compares the digests of every partition both hold (one
/// message), then only for partitions that differ compares entries (key and version) and pulls what
/// the peer holds newer (tombstones included); the peer does the same the other way. It runs every
/// sync interval, at once when a peer (re)connects, and soon after membership changes, when it also
/// hands off partitions this node no longer holds (rebalancing) and drops them once every new
/// replica confirms it has them. Transfers are rate-limited so clients keep priority.
/// </summary>
public sealed partial class AntiEntropy(
    ObjectStore store,
    PlacementMap placement,
    MemberTable members,
    MembershipService membership,
    ReplicaClient replicas,
    ReplicationStatus status,
    RepairThrottle throttle,
    ClusterOptions options,
    NodeMetrics metrics,
    TimeProvider time,
    ILogger<AntiEntropy> logger) : BackgroundService
{
    private const int TransfersInFlight = 8;

    private readonly Channel<Request> _requests = Channel.CreateUnbounded<Request>(new UnboundedChannelOptions { SingleReader = true });
    private long _membershipVersionSeen = -1;
    private DateTimeOffset _membershipChangedAt;

    /// <summary>Runs a full pass (every peer, then hand-offs) now and returns what it did.</summary>
    public async Task<SyncReport> SyncNowAsync(CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource<SyncReport>(TaskCreationOptions.RunContinuationsAsynchronously);
        await _requests.Writer.WriteAsync(new Request(null, done), cancellationToken);
        return await done.Task.WaitAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        membership.PeerJoined += member => _requests.Writer.TryWrite(new Request(member.Id, null));
        members.Changed += () => _requests.Writer.TryWrite(new Request(null, null));
        _ = TickAsync(stoppingToken);
        await foreach (var request in _requests.Reader.ReadAllAsync(stoppingToken))
        {
            SyncReport report;
            try
            {
                report = request.Peer is { } peer && members.Get(peer) is { } member
                    ? await SyncWithAsync(member, stoppingToken)
                    : await FullPassAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                request.Done?.TrySetCanceled(stoppingToken);
                return;
            }
            catch (Exception ex)
            {
                LogPassFailed(ex);
                report = new SyncReport(0, 0, 0, 0, 0, 0, 1);
            }

            request.Done?.TrySetResult(report);
        }
    }

    private async Task TickAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.SyncInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                _requests.Writer.TryWrite(new Request(null, null));
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task<SyncReport> FullPassAsync(CancellationToken cancellationToken)
    {
        var total = new SyncReport(0, 0, 0, 0, 0, 0, 0);
        foreach (var member in members.Snapshot().Where(m => !m.IsSelf && replicas.IsConnected(m)))
        {
            total = Add(total, await SyncWithAsync(member, cancellationToken));
        }

        total = total with { Offloaded = await OffloadAsync(cancellationToken) };
        status.LastFullSync = time.GetUtcNow();
        return total;
    }

    /// <summary>Compares every partition both this node and <paramref name="peer"/> hold, and repairs the ones that differ.</summary>
    private async Task<SyncReport> SyncWithAsync(Member peer, CancellationToken cancellationToken)
    {
        var self = members.SelfId;
        var shared = Enumerable.Range(0, KeyPartition.Count)
            .Where(p => placement.IsReplica(p, self) && placement.IsReplica(p, peer.Id))
            .ToList();
        if (shared.Count == 0 || !replicas.IsConnected(peer))
        {
            return new SyncReport(1, 0, 0, 0, 0, 0, 0);
        }

        IReadOnlyList<int> differing;
        PartitionDigest[] sent = [.. shared.Select(store.Index.DigestOf)];
        try
        {
            differing = await replicas.ComparePartitionsAsync(peer, shared, sent, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or TimeoutException)
        {
            SyncFailed(peer, ex);
            return new SyncReport(1, shared.Count, 0, 0, 0, 0, 1);
        }

        var differs = differing.ToHashSet();
        for (var i = 0; i < shared.Count; i++)
        {
            // Only if nothing was written meanwhile: a write the peer refused while the comparison
            // was in flight has marked the partition out of sync, and an old answer must not undo that.
            if (!differs.Contains(shared[i]) && store.Index.DigestOf(shared[i]).Equals(sent[i]))
            {
                status.MarkInSync(shared[i], peer.Id);
            }
        }

        var report = new SyncReport(1, shared.Count, differing.Count, 0, 0, 0, 0);
        foreach (var batch in Batches(differing))
        {
            // A peer holding far more of these partitions than this node answers in parts.
            SyncReport part;
            do
            {
                part = await RepairAsync(peer, batch, pull: true, cancellationToken);
                report = Add(report, part);
            }
            while (part.Truncated && part.Failed == 0 && part.Pulled > 0);
        }

        if (report.Pulled + report.Pushed > 0)
        {
            LogSynced(peer.Name, report.PartitionsDiffering, report.Pulled, report.Pushed);
        }

        return report;
    }

    /// <summary>
    /// Compares the entries of <paramref name="partitions"/> with the peer; pulls what it holds newer
    /// (when <paramref name="pull"/>) and pushes what this node holds newer. Marks the partitions in
    /// sync when every transfer succeeded.
    /// </summary>
    private async Task<SyncReport> RepairAsync(Member peer, IReadOnlyList<int> partitions, bool pull, CancellationToken cancellationToken)
    {
        IReadOnlyList<IndexEntry> newer;
        IReadOnlyList<string> wanted;
        bool truncated;
        try
        {
            (newer, wanted, truncated) = await replicas.CompareEntriesAsync(peer, partitions, [.. partitions.SelectMany(store.Index.EntriesIn)], cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or TimeoutException or InvalidEntryException or VersionFromFutureException)
        {
            if (ex is VersionFromFutureException)
            {
                metrics.VersionRefused("anti-entropy");
            }

            SyncFailed(peer, ex);
            return new SyncReport(0, 0, 0, 0, 0, 0, 1);
        }

        // Replicas each pull what they lack (the peer runs the same pass against this node), so an
        // object crosses once; only a hand-off, where the receiver would never ask, pushes.
        var toPull = pull ? newer.Where(e => !store.Index.TryGet(e.Key, out var mine) || mine.Version < e.Version).ToList() : [];
        var toPush = pull ? [] : wanted.Where(k => store.Index.TryGet(k, out _)).ToList();
        status.AddBacklog(toPull.Count + toPush.Count);
        var failed = 0;
        await Parallel.ForEachAsync(
            toPull.Select(e => (Entry: (IndexEntry?)e, Key: e.Key, Pull: true)).Concat(toPush.Select(k => (Entry: (IndexEntry?)null, Key: k, Pull: false))),
            new ParallelOptions { MaxDegreeOfParallelism = TransfersInFlight, CancellationToken = cancellationToken },
            async (item, token) =>
            {
                try
                {
                    var bytes = item.Pull ? await PullAsync(peer, item.Entry!, token) : await PushAsync(peer, item.Key, token);
                    metrics.Repaired(bytes, item.Pull ? "pulled" : "pushed");
                    status.Repaired(bytes);
                    await throttle.SpendAsync(bytes, token);
                }
                catch (Exception ex) when (ex is IOException or TimeoutException or ObjectIntegrityException or InvalidEntryException or VersionFromFutureException)
                {
                    Interlocked.Increment(ref failed);
                    LogTransferFailed(item.Key, peer.Name, ex.Message);
                }
                finally
                {
                    // Done, failed or cancelled, it is no longer waiting.
                    status.AddBacklog(-1);
                }
            });

        // Keys the peer still wants from this node (it pulls them in its own pass) mean the partition
        // is not in sync yet: marking it so would hide an under-replicated object.
        if (failed == 0 && (!pull || wanted.Count == 0))
        {
            foreach (var partition in partitions)
            {
                status.MarkInSync(partition, peer.Id);
            }
        }

        return new SyncReport(0, 0, 0, toPull.Count, toPush.Count, 0, failed) { Truncated = truncated };
    }

    private async Task<long> PullAsync(Member peer, IndexEntry entry, CancellationToken cancellationToken)
    {
        if (entry.Deleted)
        {
            await store.ApplyTombstoneAsync(entry);
            return 0;
        }

        var found = await replicas.PullAsync(peer, entry.Key, entry.Version, cancellationToken);
        metrics.ObjectStored("repair");
        return found.SealedLength;
    }

    private async Task<long> PushAsync(Member peer, string key, CancellationToken cancellationToken)
    {
        if (!store.Index.TryGet(key, out var mine))
        {
            return 0;
        }

        if (mine.Deleted)
        {
            await replicas.StoreTombstoneAsync(peer, mine, cancellationToken);
            return 0;
        }

        await replicas.StoreReplicaAsync(peer, mine, cancellationToken);
        return mine.SealedLength;
    }

    /// <summary>
    /// Rebalancing: hands each partition this node holds but is no longer placed on to its replicas,
    /// then drops it here once every replica confirms it holds each entry (or a newer version).
    /// Waits until membership has been stable for a sync interval, so churn does not move data twice.
    /// </summary>
    private async Task<int> OffloadAsync(CancellationToken cancellationToken)
    {
        var version = members.Version;
        if (version != _membershipVersionSeen)
        {
            _membershipVersionSeen = version;
            _membershipChangedAt = time.GetUtcNow();
            return 0;
        }

        if (time.GetUtcNow() - _membershipChangedAt < options.SyncInterval)
        {
            return 0;
        }

        var self = members.SelfId;
        var offloaded = 0;
        foreach (var partition in store.Index.OccupiedPartitions().Where(p => !placement.IsReplica(p, self)))
        {
            var targets = placement.ReplicasOf(partition);
            if (targets.Count == 0 || !targets.All(replicas.IsConnected))
            {
                continue;
            }

            var confirmed = true;
            foreach (var target in targets)
            {
                var pushed = await RepairAsync(target, [partition], pull: false, cancellationToken);
                confirmed &= pushed.Failed == 0;
            }

            // Confirm: a second comparison must find nothing the replicas still want from this node.
            foreach (var target in targets.TakeWhile(_ => confirmed))
            {
                try
                {
                    var (_, wanted, truncated) = await replicas.CompareEntriesAsync(target, [partition], store.Index.EntriesIn(partition), cancellationToken);
                    confirmed &= wanted.Count == 0 && !truncated;
                }
                catch (Exception ex) when (ex is IOException or TimeoutException or InvalidEntryException or VersionFromFutureException)
                {
                    confirmed = false;
                }
            }

            if (confirmed)
            {
                foreach (var entry in store.Index.EntriesIn(partition))
                {
                    offloaded += await store.ForgetAsync(entry.Key, entry.Version) ? 1 : 0;
                }
            }
        }

        if (offloaded > 0)
        {
            LogOffloaded(offloaded);
        }

        return offloaded;
    }

    /// <summary>Groups partitions so that one comparison message stays well under a frame.</summary>
    private IEnumerable<IReadOnlyList<int>> Batches(IReadOnlyList<int> partitions)
    {
        var batch = new List<int>();
        var entries = 0;
        foreach (var partition in partitions)
        {
            var count = store.Index.CountIn(partition);
            if (batch.Count > 0 && entries + count > PeerRequestHandler.MaxEntriesPerMessage)
            {
                yield return batch;
                batch = [];
                entries = 0;
            }

            batch.Add(partition);
            entries += count;
        }

        if (batch.Count > 0)
        {
            yield return batch;
        }
    }

    private static SyncReport Add(SyncReport a, SyncReport b) => new(
        a.Peers + b.Peers,
        a.PartitionsCompared + b.PartitionsCompared,
        a.PartitionsDiffering + b.PartitionsDiffering,
        a.Pulled + b.Pulled,
        a.Pushed + b.Pushed,
        a.Offloaded + b.Offloaded,
        a.Failed + b.Failed);

    private sealed record Request(Guid? Peer, TaskCompletionSource<SyncReport>? Done);

    [LoggerMessage(Level = LogLevel.Information, Message = "Anti-entropy with {PeerName}: {Partitions} partition(s) differed; pulled {Pulled}, pushed {Pushed}")]
    private partial void LogSynced(string peerName, int partitions, int pulled, int pushed);

    [LoggerMessage(Level = LogLevel.Information, Message = "Handed off {Entries} entries of partitions this node is no longer placed on")]
    private partial void LogOffloaded(int entries);

    /// <summary>
    /// A pass with a peer that failed because its connection was replaced (the duplicate-connection
    /// tie-break closes one of two) is expected churn, and the next pass runs on the new connection;
    /// only a peer this node can no longer reach is worth a warning.
    /// </summary>
    private void SyncFailed(Member peer, Exception ex)
    {
        if (ex is IOException && replicas.IsConnected(peer))
        {
            LogSyncInterrupted(peer.Name, ex.Message);
        }
        else
        {
            LogSyncFailed(peer.Name, ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Anti-entropy with {PeerName} failed: {Error}")]
    private partial void LogSyncFailed(string peerName, string error);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Anti-entropy with {PeerName} was cut by a replaced connection and runs again on the new one: {Error}")]
    private partial void LogSyncInterrupted(string peerName, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Repairing {Key} with {PeerName} failed: {Error}")]
    private partial void LogTransferFailed(string key, string peerName, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "An anti-entropy pass failed")]
    private partial void LogPassFailed(Exception exception);
}
