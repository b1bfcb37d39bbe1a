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
}
