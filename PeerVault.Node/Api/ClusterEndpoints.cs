using PeerVault.Node.Cluster.Membership;
using PeerVault.Node.Cluster.Placement;
using PeerVault.Node.Cluster.Repair;
using PeerVault.Node.Hosting;
using PeerVault.Node.Net;
using PeerVault.Node.Security;
using PeerVault.Node.Storage;

namespace PeerVault.Node.Api;

/// <summary>
/// <c>/v1/cluster</c>: this node, every member as this node sees it (state, address, last seen,
/// clock offset), and replication status; <c>DELETE /v1/cluster/members/{id}</c> takes a member out (its data is
/// re-replicated by the others); <c>POST /v1/cluster/sync</c> runs anti-entropy now.
/// </summary>
public static class ClusterEndpoints
{
    public static IEndpointRouteBuilder MapClusterEndpoints(this IEndpointRouteBuilder app)
    {
        var cluster = app.MapGroup("/v1/cluster").RequireAuthorization(ApiSecurity.AdminPolicy);
        cluster.MapGet(string.Empty, Describe);
        cluster.MapDelete("/members/{id}", (string id, MemberTable members) =>
            Guid.TryParse(id, out var member) && members.Remove(member) ? Results.NoContent() : Problems.UnknownMember(id));
        cluster.MapPost("/sync", async (AntiEntropy antiEntropy, HttpContext context) =>
        {
            var report = await antiEntropy.SyncNowAsync(context.RequestAborted);
            return Results.Json(
                new SyncResult(report.Peers, report.PartitionsCompared, report.PartitionsDiffering, report.Pulled, report.Pushed, report.Offloaded, report.Failed),
                PeerVaultJsonContext.Default.SyncResult);
        });
        return app;
    }

    private static IResult Describe(NodeIdentity self, KeyRing keys, PeerConnections connections, PeerClocks clocks, KeyIndex index, MemberTable members, PlacementMap placement, ReplicationStatus status, Cluster.ClusterOptions options, NodeSettings settings)
    {
        var node = new NodeDescription(
            self.Name,
            self.Id.ToString("N"),
            keys.Current.KeyId,
            keys.Epochs.Current,
            connections.ListenEndPoint.Port,
            index.Count,
            placement.Replicas,
            options.Replicas,
            placement.WriteQuorum,
            DiskOf(settings.DataDirectory),
            clocks.Warning.TotalSeconds);
        var offsets = clocks.Snapshot().ToDictionary(c => c.PeerId);
        var described = members.Snapshot()
            .Select(m =>
            {
                var clock = offsets.GetValueOrDefault(m.Id);
                return new MemberDescription(
                    m.Id.ToString("N"),
                    m.Name,
                    m.Address,
                    m.State.ToString().ToLowerInvariant(),
                    m.Incarnation,
                    m.StateSince,
                    m.IsSelf ? null : m.LastSeen,
                    m.IsSelf,
                    clock is null ? null : Math.Round(clock.Offset.TotalSeconds, 3),
                    clock is null ? null : Math.Round(clock.Uncertainty.TotalSeconds, 3));
            })
            .ToList();
        var replication = new ReplicationDescription(status.UnderReplicated(), status.RepairBacklog, status.BytesRepaired, status.ObjectsRepaired, index.Tombstones, status.LastFullSync);
        return Results.Json(new ClusterDescription(node, described, replication), PeerVaultJsonContext.Default.ClusterDescription);
    }

    // Operators (and `peervault doctor`) need to see a filling disk before writes fail with 507.
    private static DiskDescription? DiskOf(string dataDirectory)
    {
        try
        {
            var drive = new DriveInfo(dataDirectory);
            return new DiskDescription(drive.AvailableFreeSpace, drive.TotalSize);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }
}
