using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace PeerVault.Hosting;

/// <summary>
/// The cluster resource's state and health, derived from its nodes: it runs once a node runs, and
/// is healthy when every node is (degraded when only some are). So <c>.WaitFor(cluster)</c> starts
/// a service once the whole cluster is up, as waiting for each node did.
/// </summary>
internal static class ClusterResourceState
{
    public const string ResourceType = "PeerVaultCluster";

    public static IResourceBuilder<PeerVaultClusterResource> WithNodeDerivedState(this IResourceBuilder<PeerVaultClusterResource> cluster)
    {
        var resource = cluster.Resource;
        var checkKey = $"{resource.Name}_nodes_check";
        cluster.ApplicationBuilder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            checkKey,
            services => new NodesHealthCheck(resource, services.GetRequiredService<ResourceNotificationService>()),
            failureStatus: null,
            tags: null));
        cluster.ApplicationBuilder.Eventing.Subscribe<BeforeStartEvent>((e, cancellationToken) =>
        {
            var notifications = e.Services.GetRequiredService<ResourceNotificationService>();
            var stopping = e.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
            _ = Task.Run(() => FollowNodesAsync(resource, notifications, stopping), CancellationToken.None);
            return Task.CompletedTask;
        });
        return cluster
            .WithInitialState(new CustomResourceSnapshot { ResourceType = ResourceType, State = KnownResourceStates.Starting, Properties = [] })
            .WithHealthCheck(checkKey);
    }

    private static async Task FollowNodesAsync(PeerVaultClusterResource cluster, ResourceNotificationService notifications, CancellationToken stoppingToken)
    {
        string? published = null;
        try
        {
            await foreach (var e in notifications.WatchAsync(stoppingToken))
            {
                if (!cluster.Nodes.Contains(e.Resource))
                {
                    continue;
                }

                var running = cluster.Nodes.Count(n => notifications.TryGetCurrentState(n.Name, out var node) && node.Snapshot.State?.Text == KnownResourceStates.Running);
                // Once running, the cluster stays running while a node restarts; its health says how whole it is.
                var state = running > 0 || published == KnownResourceStates.Running ? KnownResourceStates.Running : KnownResourceStates.Starting;
                if (state != published)
                {
                    published = state;
                    await notifications.PublishUpdateAsync(cluster, s => s with { State = state });
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private sealed class NodesHealthCheck(PeerVaultClusterResource cluster, ResourceNotificationService notifications) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var states = cluster.Nodes
                .Select(n => (n.Name, Health: notifications.TryGetCurrentState(n.Name, out var e) ? e.Snapshot.HealthStatus : null))
                .ToList();
            var healthy = states.Count(s => s.Health == HealthStatus.Healthy);
            var summary = string.Join(", ", states.Select(s => $"{s.Name} {s.Health?.ToString().ToLowerInvariant() ?? "not running"}"));
            return Task.FromResult(healthy == states.Count ? HealthCheckResult.Healthy(summary)
                : healthy > 0 ? HealthCheckResult.Degraded(summary)
                : HealthCheckResult.Unhealthy(summary));
        }
    }
}
