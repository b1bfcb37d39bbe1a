using Aspire.Hosting.ApplicationModel;

namespace PeerVault.Hosting;

/// <summary>The admin API key a node accepts: the AppHost sends it on its own calls (health check, commands).</summary>
public sealed class NodeApiKeyAnnotation(ParameterResource key) : IResourceAnnotation
{
    public ParameterResource Key { get; } = key;
}
