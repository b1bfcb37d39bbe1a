namespace PeerVault.Node.Cluster.Membership;

/// <summary>The node has not heard from its cluster yet and coordinates nothing; retry shortly (or through another node).</summary>
public sealed class ClusterJoiningException : Exception
{
    public ClusterJoiningException()
    {
    }

    public ClusterJoiningException(string message)
        : base(message)
    {
    }

    public ClusterJoiningException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
