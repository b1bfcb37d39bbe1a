using PeerVault.Node.Net;

namespace PeerVault.Node.Cluster.Membership;

/// <summary>Who to reach first, and how this node asks to be reached.</summary>
public sealed record MembershipOptions
{
    /// <summary>Service-discovery names and <c>host:port</c> entries (<c>PEERVAULT_BOOTSTRAP</c>) to dial before gossip knows more.</summary>
    public IReadOnlyList<BootstrapPeer> Bootstrap { get; init; } = [];

    /// <summary>Where other nodes should dial this one (<c>PEERVAULT_ADVERTISE_ADDRESS</c>); null lets them use the address they see.</summary>
    public string? AdvertiseHost { get; init; }

    public int? AdvertisePort { get; init; }
}
