using PeerVault.Node.Cluster.Membership;
using PeerVault.Node.Storage;

namespace PeerVault.Node.Cluster.Placement;

/// <summary>
/// Which members hold each partition: rendezvous hashing over the members (all but removed ones,
/// whether this node reaches them or not), R of them per partition, R capped at the number of
/// members. Reachability never moves a partition: a member that is down or cut off keeps its
/// partitions (writes there need W of the other placed replicas, and it is repaired when it comes
/// back), so every node, on either side of a partition, agrees on where each key lives. Only a
/// member joining or being removed moves partitions. Recomputed (all 4096 at once) on such a change.
/// </summary>
public sealed class PlacementMap(MemberTable members, ClusterOptions options)
{
    private readonly Lock _lock = new();
    private Snapshot? _current;

    /// <summary>R in effect: the configured replica count, capped at the member count.</summary>
    public int Replicas => Current().Replicas;

    /// <summary>W in effect: the configured quorum, capped at <see cref="Replicas"/>.</summary>
    public int WriteQuorum => Math.Min(options.WriteQuorum, Replicas);

    /// <summary>
    /// Placed replicas a read must hear from (R - W + 1): any W replicas that acknowledged a write
    /// and any read quorum share at least one member, so the newest version a read quorum holds is
    /// at least as new as every acknowledged write.
    /// </summary>
    public int ReadQuorum => Replicas - WriteQuorum + 1;

    /// <summary>Whether <paramref name="answered"/> holds a read quorum of every partition's replicas (a listing's complete answer).</summary>
    public bool CoversEveryPartition(IReadOnlySet<Guid> answered)
    {
        ArgumentNullException.ThrowIfNull(answered);
        var current = Current();
        var quorum = current.Replicas - Math.Min(options.WriteQuorum, current.Replicas) + 1;
        foreach (var replicas in current.Table)
        {
            var heard = 0;
            foreach (var member in replicas)
            {
                if (answered.Contains(member.Id))
                {
                    heard++;
                }
            }

            if (heard < Math.Min(quorum, replicas.Count))
            {
                return false;
            }
        }

        return true;
    }

    public IReadOnlyList<Member> ReplicasOf(string key) => ReplicasOf(KeyPartition.Of(key));

    public IReadOnlyList<Member> ReplicasOf(int partition) => Current().Table[partition];

    public bool IsReplica(int partition, Guid member) => ReplicasOf(partition).Any(m => m.Id == member);

    private Snapshot Current()
    {
        var version = members.Version;
        var current = _current;
        if (current is not null && current.Version == version)
        {
            return current;
        }

        lock (_lock)
        {
            if (_current is { } fresh && fresh.Version == version)
            {
                return fresh;
            }

            var (placeable, memberCount) = members.PlacementView();
            var ordered = placeable.OrderBy(m => m.Id).ToList();
            var seeds = ordered.Select(m => Rendezvous.SeedOf(m.Id)).ToList();
            var replicas = Math.Clamp(options.Replicas, 1, Math.Max(1, memberCount));
            var table = new IReadOnlyList<Member>[KeyPartition.Count];
            for (var partition = 0; partition < KeyPartition.Count; partition++)
            {
                table[partition] = [.. Rendezvous.Top(partition, seeds, replicas).Select(i => ordered[i])];
            }

            _current = new Snapshot(version, replicas, table);
            return _current;
        }
    }

    private sealed record Snapshot(long Version, int Replicas, IReadOnlyList<Member>[] Table);
}
