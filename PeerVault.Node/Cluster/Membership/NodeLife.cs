using PeerVault.Node.Storage;

namespace PeerVault.Node.Cluster.Membership;

/// <summary>
/// This node's life across runs: when its id was created, which incarnation this run is (one more
/// than the last), and when it was last known to be running, kept in <see cref="NodeState"/>.
/// </summary>
public sealed class NodeLife
{
    private readonly string _dataDirectory;
    private readonly Lock _lock = new();

    private NodeLife(string dataDirectory, DateTimeOffset joinedAt, long incarnation, DateTimeOffset? lastAliveBefore)
    {
        _dataDirectory = dataDirectory;
        JoinedAt = joinedAt;
        Incarnation = incarnation;
        LastAliveBefore = lastAliveBefore;
    }

    public DateTimeOffset JoinedAt { get; }

    /// <summary>This run's incarnation.</summary>
    public long Incarnation { get; }

    /// <summary>When the previous run was last known to be alive (null for a new node).</summary>
    public DateTimeOffset? LastAliveBefore { get; }

    /// <summary>Reads the previous run's record and starts the next incarnation.</summary>
    public static NodeLife Begin(string dataDirectory, DateTimeOffset now)
    {
        var previous = NodeState.Load(dataDirectory);
        var life = new NodeLife(dataDirectory, previous?.JoinedAt ?? now, (previous?.Incarnation ?? 0) + 1, previous?.LastAlive);
        life.RecordAlive(life.Incarnation, now);
        return life;
    }

    public void RecordAlive(long incarnation, DateTimeOffset now)
    {
        lock (_lock)
        {
            try
            {
                new NodeState(JoinedAt, incarnation, now).Save(_dataDirectory);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // The data directory's trouble shows in health and writes; this record is best effort.
            }
        }
    }
}
