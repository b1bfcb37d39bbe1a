namespace PeerVault.Node.Cluster;

/// <summary>How the cluster places, versions, repairs and forgets objects; validated when the node starts.</summary>
public sealed record ClusterOptions
{
    /// <summary>Copies of each object (R); capped at the number of members.</summary>
    public int Replicas { get; init; } = 3;

    /// <summary>Copies that must be durable before a write is acknowledged (W), 1 &lt;= W &lt;= R.</summary>
    public int WriteQuorum { get; init; } = 2;

    /// <summary>Versions further ahead of this node's clock are refused (a peer's broken clock must not pin a key).</summary>
    public TimeSpan MaxClockSkew { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How often replicas compare partition digests (they also do on every (re)connection).</summary>
    public TimeSpan SyncInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A member unreachable this long is shown and counted as dead; it keeps its partitions until it is back or removed.</summary>
    public TimeSpan DeadAfter { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Tombstones older than this are collected once every live replica holds them. A node that was
    /// down longer than this must rejoin empty (it enforces that itself at start).
    /// </summary>
    public TimeSpan TombstoneGrace { get; init; } = TimeSpan.FromHours(24);

    /// <summary>Blobs no entry references are removed once they are this old (a crash can leave one between blob and index).</summary>
    public TimeSpan BlobSweepDelay { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Bytes per second anti-entropy and rebalancing may move, so clients keep priority.</summary>
    public long RepairBytesPerSecond { get; init; } = 64L << 20;

    public TimeSpan GossipInterval { get; init; } = TimeSpan.FromSeconds(2);

    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a read waits for replicas' versions before going on with those that answered.</summary>
    public TimeSpan ReadVersionTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Throws <see cref="ArgumentException"/> naming the setting when the combination cannot work.</summary>
    public ClusterOptions Validate()
    {
        if (Replicas < 1)
        {
            throw new ArgumentException($"Replicas (R) must be at least 1; got {Replicas}.");
        }

        if (WriteQuorum < 1 || WriteQuorum > Replicas)
        {
            throw new ArgumentException($"The write quorum (W) must be from 1 to the replica count R={Replicas}; got {WriteQuorum}.");
        }

        if (TombstoneGrace <= SyncInterval * 2)
        {
            throw new ArgumentException($"The tombstone grace period ({TombstoneGrace}) must be much longer than the sync interval ({SyncInterval}), or deletes can come back.");
        }

        return this;
    }
}
