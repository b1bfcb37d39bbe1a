namespace PeerVault.Node.Net;

/// <summary>How this node listens for and keeps connections to its peers.</summary>
public sealed record NetOptions
{
    public const int DefaultP2PPort = 7000;

    /// <summary>TCP port of the peer protocol (<c>P2P_PORT</c>); 0 takes any free port.</summary>
    public int Port { get; init; } = DefaultP2PPort;

    /// <summary>How often each connection is pinged.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>A connection that has received nothing for this long is closed (a peer that hangs, or a network that holds packets).</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A peer whose clock is surely further off this node's than this (<c>PEERVAULT_CLOCK_OFFSET_WARN_SECONDS</c>)
    /// makes the node's health degraded, naming the peer and the offset.
    /// </summary>
    public TimeSpan ClockOffsetWarning { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Open peer connections (handshaking or established) from one IP address (<c>PEERVAULT_MAX_CONNECTIONS_PER_ADDRESS</c>).</summary>
    public int MaxConnectionsPerAddress { get; init; } = 32;

    /// <summary>Open inbound peer connections in total (<c>PEERVAULT_MAX_CONNECTIONS</c>).</summary>
    public int MaxConnections { get; init; } = 256;

    /// <summary>Frames per second read from one peer before it is slowed down (<c>PEERVAULT_MAX_FRAMES_PER_SECOND</c>).</summary>
    public int MaxFramesPerSecond { get; init; } = 20_000;
}
