namespace PeerVault.Node.Storage;

/// <summary>A sealed object failed verification: altered, truncated, reordered or spliced.</summary>
public class ObjectIntegrityException : Exception
{
    public ObjectIntegrityException()
    {
    }

    public ObjectIntegrityException(string message)
        : base(message)
    {
    }

    public ObjectIntegrityException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The object was sealed under a cluster key this node does not hold.</summary>
public sealed class KeyMismatchException : ObjectIntegrityException
{
    public KeyMismatchException(string objectKeyId, string nodeKeyId)
        : base($"Object was sealed with cluster key id {objectKeyId}, but this node holds key id {nodeKeyId}: the nodes do not share a cluster key.")
    {
        ObjectKeyId = objectKeyId;
        NodeKeyId = nodeKeyId;
    }

    public KeyMismatchException()
    {
    }

    public KeyMismatchException(string message)
        : base(message)
    {
    }

    public KeyMismatchException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public string ObjectKeyId { get; } = string.Empty;

    public string NodeKeyId { get; } = string.Empty;
}
