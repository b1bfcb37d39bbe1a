using System.Collections.Concurrent;
using PeerVault.Node.Cluster.Membership;
using PeerVault.Node.Cluster.Placement;
using PeerVault.Node.Diagnostics;
using PeerVault.Node.Net;
using PeerVault.Node.Storage;

namespace PeerVault.Node.Cluster.Repair;

/// <summary>
/// What this node knows about the durability of what it holds. A (partition, replica) pair is in
/// sync once anti-entropy found (or made) their digests equal, and out of sync again when a write
/// to that replica fails. An object this node holds is under-replicated when its partition has
/// fewer placed replicas than R, or some other placed replica is unreachable or not known to be in
/// sync. Each node counts what it holds, so an object short of a copy is counted by each node that
/// has one. The gauges go down as repair catches up.
/// </summary>
public sealed class ReplicationStatus
{
    private readonly ConcurrentDictionary<(int Partition, Guid Peer), byte> _inSync = new();
    private readonly PlacementMap _placement;
    private readonly MemberTable _members;
    private readonly KeyIndex _index;
    private readonly PeerConnections _connections;
    private int _backlog;
    private long _bytesRepaired;
    private long _objectsRepaired;

    public ReplicationStatus(PlacementMap placement, MemberTable members, KeyIndex index, PeerConnections connections, NodeMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        _placement = placement;
        _members = members;
        _index = index;
        _connections = connections;
        metrics.ObserveDurability(UnderReplicated, () => Volatile.Read(ref _backlog), () => index.Tombstones);
        metrics.ObserveMembers(() => members.Snapshot().GroupBy(m => m.State).Select(g => (g.Key.ToString().ToLowerInvariant(), g.Count())));
    }

    public int RepairBacklog => Volatile.Read(ref _backlog);

    public long BytesRepaired => Interlocked.Read(ref _bytesRepaired);

    public long ObjectsRepaired => Interlocked.Read(ref _objectsRepaired);

    /// <summary>When anti-entropy last finished a pass over every peer.</summary>
    public DateTimeOffset? LastFullSync { get; set; }

    public void MarkInSync(int partition, Guid peer) => _inSync[(partition, peer)] = 0;

    public void MarkOutOfSync(int partition, Guid peer) => _inSync.TryRemove((partition, peer), out _);

    /// <summary>Objects anti-entropy found to move (positive) or is done with, moved or not (negative): only it keeps the backlog.</summary>
    public void AddBacklog(int objects) => Interlocked.Add(ref _backlog, objects);

    /// <summary>
    /// An object brought to where it belongs, by whichever repair (anti-entropy, a read that kept a
    /// copy, a local refill). Counted apart from the backlog, which only anti-entropy fills: when
    /// every repair also emptied it, reads and refills drove it below zero (doctor showed "-7
    /// waiting for repair" after a wipe).
    /// </summary>
    public void Repaired(long bytes)
    {
        Interlocked.Add(ref _bytesRepaired, bytes);
        Interlocked.Increment(ref _objectsRepaired);
    }

    public int UnderReplicated()
    {
        var self = _members.SelfId;
        var count = 0;
        foreach (var partition in _index.OccupiedPartitions())
        {
            var replicas = _placement.ReplicasOf(partition);
            var whole = replicas.Count >= _placement.Replicas
                && replicas.All(m => m.Id == self || (_connections.TryGet(m.Id, out _) && _inSync.ContainsKey((partition, m.Id))));
            if (!whole)
            {
                count += _index.CountIn(partition);
            }
        }

        return count;
    }
}
