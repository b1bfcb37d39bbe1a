namespace PeerVault.Node.Net;

/// <summary>The peer port this node was told to listen on belongs to another process.</summary>
public sealed class PortInUseException : IOException
{
    public PortInUseException()
    {
    }

    public PortInUseException(string message)
        : base(message)
    {
    }

    public PortInUseException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
