namespace PeerVault.Node.Net;

/// <summary>Why a frame or handshake was refused; the value becomes a metric label and a log field.</summary>
public enum RejectReason
{
    UnknownType,
    Oversized,
    Truncated,
    Malformed,
    BadSeal,
    UnexpectedFrame,
    Timeout,
    WrongToken,
    Replay,
    ClockSkew,
    IdentityMismatch,
    SelfConnection,
    VersionMismatch,
    ClusterKeyMismatch,
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

    /// <summary>Whether the reason is a malformed frame (as opposed to a refused handshake).</summary>
    public bool IsFrameProblem => Reason is RejectReason.UnknownType or RejectReason.Oversized or RejectReason.Truncated or RejectReason.Malformed or RejectReason.BadSeal or RejectReason.UnexpectedFrame;

    /// <summary>The bounded metric label for a failure: the reject reason, else the exception type.</summary>
    public static string ReasonOf(Exception failure)
        => failure is PeerProtocolException violation ? violation.Reason.ToString() : failure.GetType().Name;
}
