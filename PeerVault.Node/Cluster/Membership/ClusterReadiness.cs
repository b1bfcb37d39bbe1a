namespace PeerVault.Node.Cluster.Membership;

/// <summary>
/// Whether this node knows its cluster well enough to coordinate client requests. A node that has
/// just started knows only the members its last run kept (<see cref="MemberFile"/>) and its
/// bootstrap peers; until one peer has told it who the members are, it could place a key over too
/// few of them and acknowledge a write on the wrong replicas. So it coordinates nothing (client
/// requests answer 503 with Retry-After, readiness is off) until a member list has been exchanged
/// with a peer, or it knows it is alone: no other member is known and no bootstrap peer is anyone
/// but itself. Once joined it stays joined: what it learns later only moves placement the way
/// gossip does on any node, and quorums decide the rest.
/// </summary>
public sealed class ClusterReadiness
{
    private volatile bool _joined;

    /// <summary>Seconds a client is told to wait before retrying while the node joins.</summary>
    public const int RetryAfterSeconds = 1;

    public bool HasJoined => _joined;

    /// <summary>Why the node does not coordinate yet (for health and problem details), or null.</summary>
    public string? Problem => HasJoined ? null : "The node has not heard from its cluster since it started; it coordinates no request until a peer has told it the members.";

    /// <summary>A member list was exchanged with a peer.</summary>
    public void MarkHeard() => _joined = true;

    /// <summary>The node is, as far as it can tell, a cluster of one: it has nobody to wait for.</summary>
    public void MarkAlone() => _joined = true;

    /// <summary>Throws <see cref="ClusterJoiningException"/> until the node has joined.</summary>
    public void ThrowIfJoining()
    {
        if (Problem is { } problem)
        {
            throw new ClusterJoiningException(problem);
        }
    }
}
