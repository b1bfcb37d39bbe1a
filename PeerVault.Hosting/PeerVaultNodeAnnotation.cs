using Aspire.Hosting.ApplicationModel;

namespace PeerVault.Hosting;

/// <summary>
/// Marks a project resource as member <see cref="Ordinal"/> (0-based) of the PeerVault cluster
/// <see cref="Cluster"/>. Publishers read it to deploy the members together (one Kubernetes
/// StatefulSet whose pods find each other through DNS) instead of as unrelated services.
/// </summary>
public sealed class PeerVaultNodeAnnotation(string cluster, int ordinal, int members) : IResourceAnnotation
{
    public string Cluster { get; } = cluster;

    public int Ordinal { get; } = ordinal;

    /// <summary>How many members the application declares.</summary>
    public int Members { get; } = members;
}
