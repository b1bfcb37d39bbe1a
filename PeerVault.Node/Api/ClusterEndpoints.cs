using PeerVault.Node.Cluster;
using PeerVault.Node.Hosting;
using PeerVault.Node.Storage;

namespace PeerVault.Node.Api;

/// <summary><c>GET /v1/cluster</c>: this node (with its replication status) and every peer it knows, with connection state.</summary>
public static class ClusterEndpoints
{
    public static IEndpointRouteBuilder MapClusterEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/cluster", (NodeSettings settings, PeerManager peers, ObjectStore store, Replicator replicator) =>
        {
            var node = new NodeDescription(
                settings.Identity.Name,
                settings.Identity.Id.ToString("N"),
                settings.Keys.Current.KeyId,
                settings.Keys.Epochs.Current,
                peers.ListenEndPoint.Port,
                store.Index.Count,
                settings.WriteQuorum,
                replicator.UnderReplicatedCount);
            return Results.Json(new ClusterDescription(node, peers.Describe()), ApiJsonContext.Default.ClusterDescription);
        });
        return app;
    }
}
