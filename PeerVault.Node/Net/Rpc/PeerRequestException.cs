namespace PeerVault.Node.Net.Rpc;

/// <summary>The peer answered a request with a <see cref="PeerError"/>.</summary>
public sealed class PeerRequestException : IOException
{
    public PeerRequestException(string code, string message)
        : base(message) => Code = code;

    public PeerRequestException()
    {
    }

    public PeerRequestException(string message)
        : base(message)
    {
    }

    public PeerRequestException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public string Code { get; } = PeerError.Io;
}
