namespace PeerVault.Node.Protocol;

/// <summary>Why a frame or handshake was refused; the value becomes a metric label and a log field.</summary>
public enum RejectReason
{
    UnknownType,
    Oversized,
    Truncated,
    Malformed,
    BadMac,
    UnexpectedFrame,
    Timeout,
    WrongToken,
    Replay,
    ClockSkew,
    IdentityMismatch,
    SelfConnection,
    VersionMismatch,
}

/// <summary>
/// The peer broke the wire protocol. The connection that raised it is closed; the process and
/// every other connection carry on.
/// </summary>
public sealed class PeerProtocolException : Exception
{
    public PeerProtocolException(RejectReason reason, string message)
        : base(message) => Reason = reason;

    public PeerProtocolException()
    {
    }

    public PeerProtocolException(string message)
        : base(message)
    {
    }

    public PeerProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public RejectReason Reason { get; } = RejectReason.Malformed;
}
