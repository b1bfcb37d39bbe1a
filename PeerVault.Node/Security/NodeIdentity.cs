namespace PeerVault.Node.Security;

/// <summary>Who a node is: an id created once and kept in its data directory, and its configured name.</summary>
public sealed record NodeIdentity(Guid Id, string Name)
{
    public const int MaxNameBytes = 64;

    public override string ToString() => $"{Name} ({Id:N})";
}
