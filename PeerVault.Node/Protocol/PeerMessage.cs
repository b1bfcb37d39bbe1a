using PeerVault.Node.Storage;

namespace PeerVault.Node.Protocol;

public enum MessageKind
{
    Ping,
    Pong,

    /// <summary>Request: send me <see cref="PeerMessage.Key"/>. Answered by a FetchReply stream or a NotFound/Error message.</summary>
    Fetch,
    NotFound,

    /// <summary>Reply to a Replicate stream: the replica holds the object durably (or <see cref="PeerMessage.Error"/> says why not).</summary>
    ReplicaStored,

    /// <summary>Request: apply the tombstone in <see cref="PeerMessage.Entry"/>. Answered by Ack.</summary>
    Delete,
    Ack,
    Error,
}

/// <summary>
/// A control message (frame type 0x01). Requests carry an <see cref="Id"/>; replies name it in
/// <see cref="ReplyTo"/>. The W3C trace context rides along so the receiver's spans join the
/// sender's trace.
/// </summary>
public sealed record PeerMessage
{
    public required MessageKind Kind { get; init; }

    public long Id { get; init; }

    public long ReplyTo { get; init; }

    public string? TraceParent { get; init; }

    public string? TraceState { get; init; }

    public string? Key { get; init; }

    public IndexEntry? Entry { get; init; }

    /// <summary>Machine-readable failure reason, e.g. <c>key-mismatch</c>, <c>integrity</c>, <c>disk-full</c>.</summary>
    public string? ErrorCode { get; init; }

    public string? Error { get; init; }
}

public enum StreamPurpose
{
    /// <summary>The sender asks the receiver to keep a replica of <see cref="StreamHeader.Entry"/>.</summary>
    Replicate,

    /// <summary>The object a Fetch request asked for.</summary>
    FetchReply,
}

/// <summary>Opens a stream (frame type 0x02); the sealed object's bytes follow in StreamData frames.</summary>
public sealed record StreamHeader
{
    public required uint StreamId { get; init; }

    public required StreamPurpose Purpose { get; init; }

    public long ReplyTo { get; init; }

    public required IndexEntry Entry { get; init; }

    public string? TraceParent { get; init; }

    public string? TraceState { get; init; }
}
