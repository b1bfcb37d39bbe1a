using System.Collections.Concurrent;
using PeerVault.Node.Cluster.Membership;
using PeerVault.Node.Cluster.Placement;
using PeerVault.Node.Cluster.Versions;
using PeerVault.Node.Diagnostics;
using PeerVault.Node.Storage;

namespace PeerVault.Node.Cluster.Repair;

/// <summary>
/// Brings back this node's own copy of a key it holds when the copy is gone or was quarantined (a
/// failed verification in a read, a HEAD ?verify, a scrub, a data directory lost under the node):
/// pulls it from a member that holds that version or a newer one, the key's placed replicas first,
/// verified on the way in. One restore per key runs at a time; callers asking meanwhile share it.
/// </summary>
public sealed partial class LocalRepair(
    PlacementMap placement,
    MemberTable members,
    ReplicaClient replicas,
    StorageHealth storage,
    ReplicationStatus status,
    NodeMetrics metrics,
    IHostApplicationLifetime lifetime,
    ILogger<LocalRepair> logger)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<string?>>> _running = new(StringComparer.Ordinal);

    /// <summary>Starts restoring <paramref name="entry"/> in the background (if this node should hold it).</summary>
    public void Schedule(IndexEntry entry) => _ = RestoreAsync(entry, CancellationToken.None);

    /// <summary>
    /// Restores the local copy of <paramref name="entry"/>; returns the name of the member it came
    /// from, or null when no member could provide a verified copy (or this node cannot store now).
    /// </summary>
    public Task<string?> RestoreAsync(IndexEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        // The restore belongs to the node, not to the caller: a client that hangs up does not stop it.
        var run = _running.GetOrAdd(entry.Key, _ => new Lazy<Task<string?>>(() => RunAsync(entry, lifetime.ApplicationStopping)));
        return run.Value.WaitAsync(cancellationToken);
    }

    private async Task<string?> RunAsync(IndexEntry entry, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Yield();
            if (entry.Deleted || !storage.IsWritable)
            {
                return null;
            }

            var partition = KeyPartition.Of(entry.Key);
            var placed = placement.ReplicasOf(partition);
            var sources = placed.Where(m => !m.IsSelf)
                .Concat(members.Snapshot().Where(m => !m.IsSelf && placed.All(p => p.Id != m.Id)))
                .Where(replicas.IsConnected);
            foreach (var member in sources)
            {
                try
                {
                    var pulled = await replicas.PullAsync(member, entry.Key, entry.Version, cancellationToken);
                    metrics.Repaired(pulled.SealedLength, "pulled");
                    metrics.ObjectStored("repair");
                    status.Repaired(pulled.SealedLength);
                    LogRestored(entry.Key, pulled.BlobId, member.Name);
                    return member.Name;
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or TimeoutException or ObjectIntegrityException or InvalidEntryException or VersionFromFutureException)
                {
                    LogSourceFailed(entry.Key, member.Name, ex.Message);
                    if (!storage.ReportFault(ex))
                    {
                        return null;
                    }
                }
            }

            LogNoSource(entry.Key);
            return null;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
        finally
        {
            _running.TryRemove(entry.Key, out _);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Restored the local copy of {Key} (blob {BlobId}) from {PeerName}")]
    private partial void LogRestored(string key, string? blobId, string peerName);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Restoring the local copy of {Key} from {PeerName} failed: {Error}")]
    private partial void LogSourceFailed(string key, string peerName, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No member could provide a verified copy of {Key}; it stays missing here until one can")]
    private partial void LogNoSource(string key);
}
