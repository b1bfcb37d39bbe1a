namespace PeerVault.Node.Cluster.Membership;

/// <summary>How this node sees a member right now (not gossiped: each node judges reachability itself).</summary>
public enum MemberState
{
    /// <summary>Connected, heartbeats arriving.</summary>
    Alive,

    /// <summary>Not connected (yet, or any more); still placed, writes to it fail and are repaired later.</summary>
    Suspect,

    /// <summary>
    /// Unreachable longer than the dead-after period. Still placed, like a suspect: moving its
    /// partitions to whoever one node can still reach would let two sides of a partition each
    /// acknowledge writes on replica sets the other never reads. An operator removes a member that
    /// will not come back, and only then are its partitions re-replicated.
    /// </summary>
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
    /// <summary>Whether placement puts data on it: every member not removed, reachable or not.</summary>
    public bool IsPlaceable => State is not MemberState.Removed;

    public string? Address => Host is null ? null : $"{(Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]" : Host)}:{Port}";
}
