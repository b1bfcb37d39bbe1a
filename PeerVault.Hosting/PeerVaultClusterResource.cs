using Aspire.Hosting.ApplicationModel;
using PeerVault.Contracts;

namespace PeerVault.Hosting;

/// <summary>
/// A PeerVault cluster as one resource of the application: its nodes are separate project
/// resources, and the cluster is what other services reference. Its connection string is
/// <c>Endpoints={node1 http},{node2 http},…;Key={api-key}</c>, an expression of the nodes' endpoints
/// and the API-key parameter, so a secret stays a parameter (masked on the dashboard, a
/// <c>{api-key.value}</c> reference in a manifest) and is resolved only where the service starts.
/// <c>.WithReference(cluster)</c> hands it to a project as <c>ConnectionStrings__{name}</c>, which
/// PeerVault.Client's <c>AddPeerVaultClient(name)</c> reads.
/// </summary>
public sealed class PeerVaultClusterResource(string name, PeerVaultSecrets secrets) : Resource(name), IResourceWithConnectionString
{
    private readonly List<ProjectResource> _nodes = [];

    /// <summary>The secrets every node shares, as secret parameters.</summary>
    public PeerVaultSecrets Secrets { get; } = secrets;

    /// <summary>The cluster's nodes, in order (<c>node1</c> first).</summary>
    public IReadOnlyList<ProjectResource> Nodes => _nodes;

    /// <summary>The name of each node's HTTP API endpoint.</summary>
    public const string HttpEndpointName = "http";

    public ReferenceExpression ConnectionStringExpression
    {
        get
        {
            var expression = new ReferenceExpressionBuilder();
            expression.AppendLiteral($"{PeerVaultConnectionStringKeys.Endpoints}=");
            for (var i = 0; i < _nodes.Count; i++)
            {
                if (i > 0)
                {
                    expression.AppendLiteral(",");
                }

                expression.AppendFormatted(_nodes[i].GetEndpoint(HttpEndpointName));
            }

            expression.AppendLiteral($";{PeerVaultConnectionStringKeys.Key}=");
            expression.AppendFormatted(Secrets.ApiKey.Resource);
            return expression.Build();
        }
    }

    internal void Add(ProjectResource node) => _nodes.Add(node);
}
