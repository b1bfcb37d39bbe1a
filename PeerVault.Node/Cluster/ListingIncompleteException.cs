namespace PeerVault.Node.Cluster;

/// <summary>Too few members answered a listing for it to be complete; <see cref="Exception.Message"/> says who did.</summary>
public sealed class ListingIncompleteException : Exception
{
    public ListingIncompleteException()
    {
    }

    public ListingIncompleteException(string message)
        : base(message)
    {
    }

    public ListingIncompleteException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
