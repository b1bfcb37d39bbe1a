namespace PeerVault.Node.Storage;

/// <summary>The data directory is missing or cannot be written; <see cref="Exception.Message"/> says which, without a path.</summary>
public sealed class StorageUnavailableException : IOException
{
    public StorageUnavailableException()
    {
    }

    public StorageUnavailableException(string message)
        : base(message)
    {
    }

    public StorageUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
