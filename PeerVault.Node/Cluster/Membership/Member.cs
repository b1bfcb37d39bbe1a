namespace PeerVault.Node.Cluster.Membership;

/// <summary>How this node sees a member right now (not gossiped: each node judges reachability itself).</summary>
public enum MemberState
{
    /// <summary>Connected, heartbeats arriving.</summary>
    Alive,

    /// <summary>Not connected (yet, or any more); still placed, writes to it fail and are repaired later.</summary>
    Suspect,

    /// <summary>Unreachable longer than the dead-after period: out of placement, its partitions re-replicated.</summary>
    Dead,

    /// <summary>Taken out by an operator (or replaced by a node of the same name): never placed again.</summary>
    Removed,
}

/// <summary>
/// One member of the cluster: its stable id and name, where to dial it, its incarnation (bumped
/// on every start, so news about a restarted node supersedes what was said about it before), when
/// its id was created, and this node's view of its state.
/// </summary>
public sealed record Member(
    Guid Id,
    string Name,
    string? Host,
    int Port,
    long Incarnation,
    DateTimeOffset JoinedAt,
    MemberState State,
    DateTimeOffset StateSince,
    DateTimeOffset? LastSeen,
    bool IsSelf)
{
    /// <summary>Whether placement may put data on it.</summary>
    public bool IsPlaceable => State is MemberState.Alive or MemberState.Suspect;

    public string? Address => Host is null ? null : $"{(Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]" : Host)}:{Port}";
}
