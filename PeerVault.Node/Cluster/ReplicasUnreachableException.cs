namespace PeerVault.Node.Cluster;

/// <summary>
/// Too few of a key's placed replicas answered for the coordinator to act safely (a write could
/// not learn the version it must follow); nothing was changed. <see cref="Exception.Message"/> says
/// how many answered. Clients retry shortly, or through another node.
/// </summary>
public sealed class ReplicasUnreachableException : Exception
{
    public ReplicasUnreachableException()
    {
    }

    public ReplicasUnreachableException(string message)
        : base(message)
    {
    }

    public ReplicasUnreachableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The replicas placed to hold the key.</summary>
    public IReadOnlyList<string> Placement { get; init; } = [];

    /// <summary>Why each replica that did not answer did not ("node2: unreachable").</summary>
    public IReadOnlyList<string> Failures { get; init; } = [];
}
