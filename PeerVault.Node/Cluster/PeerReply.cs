using System.IO.Pipelines;
using PeerVault.Node.Protocol;

namespace PeerVault.Node.Cluster;

/// <summary>What came back for a request: a message, or a stream (whose bytes the caller must read).</summary>
public sealed record PeerReply(PeerMessage? Message, StreamHeader? Stream, PipeReader? Body);

/// <summary>The peer went away (or was closed) before answering.</summary>
public sealed class PeerDisconnectedException : IOException
{
    public PeerDisconnectedException()
    {
    }

    public PeerDisconnectedException(string message)
        : base(message)
    {
    }

    public PeerDisconnectedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>What a node does with requests and streams its peers start.</summary>
public interface IPeerRequestHandler
{
    Task OnMessageAsync(PeerSession session, PeerMessage message, CancellationToken cancellationToken);

    Task OnStreamAsync(PeerSession session, StreamHeader header, PipeReader body, CancellationToken cancellationToken);
}
