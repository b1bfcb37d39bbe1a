namespace PeerVault.Node.Net;

/// <summary>
/// The first byte of every frame. Unknown values end the connection: a peer that speaks a
/// different protocol must not be half-understood.
/// </summary>
public enum FrameType : byte
{
    /// <summary>A request or response: a JSON <see cref="Rpc.Envelope"/> around a typed <see cref="Rpc.PeerMessage"/>.</summary>
    Message = 0x01,

    /// <summary>Opens a stream: a JSON <see cref="Rpc.Envelope"/> (its id is the stream's); data follows as <see cref="StreamData"/> frames.</summary>
    StreamHeader = 0x02,

    /// <summary><c>[streamId:u32][bytes]</c>, at most one frame's payload of stream bytes.</summary>
    StreamData = 0x03,

    /// <summary><c>[streamId:u32][status:u8]</c>: the sender finished (0) or gave up (1) on the stream.</summary>
    StreamEnd = 0x04,

    /// <summary>Handshake step 1, dialer to listener: a greeting that names no node.</summary>
    HandshakeHello = 0x10,

    /// <summary>Handshake step 2, listener to dialer: its greeting and its proof of the token.</summary>
    HandshakeWelcome = 0x11,

    /// <summary>Handshake step 3, dialer to listener: its identity, sealed under a token-derived key (its proof).</summary>
    HandshakeProof = 0x12,

    /// <summary>Handshake step 4, listener to dialer: its identity, sealed.</summary>
    HandshakeAccept = 0x13,
}
