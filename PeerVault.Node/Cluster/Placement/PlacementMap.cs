using PeerVault.Node.Cluster.Membership;
using PeerVault.Node.Storage;

namespace PeerVault.Node.Cluster.Placement;

/// <summary>
/// Which members hold each partition: rendezvous hashing over the placeable members (alive or
/// suspect; dead and removed ones are left out so their partitions get new replicas), R of them per
/// partition, R capped at the number of members. Recomputed (for all 4096 partitions at once) only
/// when membership changes.
/// </summary>
public sealed class PlacementMap(MemberTable members, ClusterOptions options)
{
    private readonly Lock _lock = new();
    private Snapshot? _current;

    /// <summary>R in effect: the configured replica count, capped at the member count.</summary>
    public int Replicas => Current().Replicas;

    /// <summary>W in effect: the configured quorum, capped at <see cref="Replicas"/>.</summary>
    public int WriteQuorum => Math.Min(options.WriteQuorum, Replicas);

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
