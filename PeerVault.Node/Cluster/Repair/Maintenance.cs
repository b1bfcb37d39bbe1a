using PeerVault.Node.Cluster.Membership;
using PeerVault.Node.Cluster.Placement;
using PeerVault.Node.Cluster.Versions;
using PeerVault.Node.Storage;

namespace PeerVault.Node.Cluster.Repair;

/// <summary>
/// Collects what is no longer needed. Tombstones: once a tombstone is older than the grace period,
/// the partition's first replica checks that every placed replica holds it (or a newer version) and
/// then has them all forget it, but only where they still hold exactly that version, so a newer
/// write survives (Garage's two-step GC). A replica that was down longer than the grace period
/// rejoins empty (<see cref="StaleData"/>), so a collected delete cannot come back. Blobs: those no
/// entry references are removed after a safety delay.
/// </summary>
public sealed partial class Maintenance(
    ObjectStore store,
    StorageHealth storage,
    PlacementMap placement,
    MemberTable members,
    ReplicaClient replicas,
    ClusterOptions options,
    TimeProvider time,
    ILogger<Maintenance> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var every = TimeSpan.FromTicks(Math.Min(options.SyncInterval.Ticks, options.BlobSweepDelay.Ticks / 2 + 1));
        using var timer = new PeriodicTimer(every, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                // A node that cannot store waits: its index and blobs are being put back together.
                if (!storage.IsWritable)
                {
                    continue;
                }

                try
                {
                    var swept = store.SweepUnreferencedBlobs(time.GetUtcNow() - options.BlobSweepDelay);
                    if (swept > 0)
                    {
                        LogSwept(swept);
                    }

                    await CollectTombstonesAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // The disk failed under this pass (e.g. the data directory vanished): the probe
                    // notices and recreates it; the next tick tries again. Never end the node for it.
                    storage.ReportFault(ex);
                    LogPassFailed(ex.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public async Task<int> CollectTombstonesAsync(CancellationToken cancellationToken)
    {
        var self = members.SelfId;
        var oldest = time.GetUtcNow() - options.TombstoneGrace;
        var collected = 0;
        foreach (var partition in store.Index.OccupiedPartitions())
        {
            var targets = placement.ReplicasOf(partition);
            if (targets.Count == 0 || targets[0].Id != self || !targets.All(replicas.IsConnected))
            {
                continue;
            }

            foreach (var tombstone in store.Index.EntriesIn(partition).Where(e => e.Deleted && e.UpdatedAt < oldest))
            {
                try
                {
                    if (await EveryReplicaHoldsAsync(targets, tombstone, cancellationToken))
                    {
                        foreach (var replica in targets.Where(m => !m.IsSelf))
                        {
                            await replicas.ForgetIfVersionAsync(replica, tombstone.Key, tombstone.Version, cancellationToken);
                        }

                        collected += await store.ForgetAsync(tombstone.Key, tombstone.Version) ? 1 : 0;
                    }
                }
                catch (Exception ex) when (ex is IOException or TimeoutException or InvalidEntryException or VersionFromFutureException)
                {
                    // A replica did not answer: the tombstone stays until a later pass can confirm.
                }
            }
        }

        if (collected > 0)
        {
            LogCollected(collected);
        }

        return collected;
    }

    private async Task<bool> EveryReplicaHoldsAsync(IReadOnlyList<Member> targets, IndexEntry tombstone, CancellationToken cancellationToken)
    {
        foreach (var replica in targets.Where(m => !m.IsSelf))
        {
            var (entry, _) = await replicas.GetEntryAsync(replica, tombstone.Key, options.RequestTimeout, cancellationToken);
            if (entry is null || entry.Version < tombstone.Version)
            {
                return false;
            }
        }

        return true;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Maintenance pass failed on the disk: {Error}")]
    private partial void LogPassFailed(string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed {Blobs} unreferenced blob(s)")]
    private partial void LogSwept(int blobs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Collected {Tombstones} tombstone(s) older than the grace period")]
    private partial void LogCollected(int tombstones);
}
