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
    VersionMismatch,
}

/// <summary>
/// The peer broke the wire protocol. The connection that raised it is closed; the process and
/// every other connection carry on.
/// </summary>
public sealed class ProtocolViolationException : Exception
{
    public ProtocolViolationException(RejectReason reason, string message)
        : base(message) => Reason = reason;

    public ProtocolViolationException()
    {
    }

    public ProtocolViolationException(string message)
        : base(message)
    {
    }

    public ProtocolViolationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public RejectReason Reason { get; } = RejectReason.Malformed;
}
