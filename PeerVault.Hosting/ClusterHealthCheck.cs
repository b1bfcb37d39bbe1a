using System.Diagnostics;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace PeerVault.Hosting;

/// <summary>
/// The node's health as the cluster sees it, next to its own <c>/health</c>: healthy when it is
/// connected to every peer it knows, holds no under-replicated object and measures no peer's clock
/// off its own beyond its warning threshold; degraded otherwise, with the counts and the clocks in
/// the description the dashboard shows. A degraded node still serves, but a
/// resource that waits for it (the demo) waits until the cluster is whole.
/// </summary>
internal sealed class ClusterHealthCheck(IResource node, IHttpClientFactory clients) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var status = await NodeStatus.ReadAsync(clients, node, cancellationToken);
            var whole = status.Connected == status.Peers.Count && status.UnderReplicated == 0 && status.ClockWarnings.Count == 0;
            return whole ? HealthCheckResult.Healthy(status.Summary) : HealthCheckResult.Degraded(status.Summary);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return HealthCheckResult.Unhealthy($"Cluster status unavailable: {ex.Message}");
        }
    }
}

public static class ClusterHealthCheckExtensions
{
    /// <summary>Adds <see cref="ClusterHealthCheck"/> to a node resource.</summary>
    public static IResourceBuilder<ProjectResource> WithClusterHealthCheck(this IResourceBuilder<ProjectResource> builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var key = $"{builder.Resource.Name}_cluster_check";
        var node = builder.Resource;
        builder.ApplicationBuilder.Services.AddHttpClient(NodeStatus.HttpClientName, http => http.Timeout = TimeSpan.FromSeconds(5))
            // Polls and the operator's status reads start no trace on the node: no trace context goes with them.
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { ActivityHeadersPropagator = DistributedContextPropagator.CreateNoOutputPropagator() });
        // Polled every few seconds per node: its request lines are noise on the console, as Aspire's own health checks' are.
        builder.ApplicationBuilder.Services.AddLogging(logging => logging.AddFilter($"System.Net.Http.HttpClient.{NodeStatus.HttpClientName}", LogLevel.Warning));
        builder.ApplicationBuilder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            key,
            sp => new ClusterHealthCheck(node, sp.GetRequiredService<IHttpClientFactory>()),
            failureStatus: null,
            tags: null));
        return builder.WithHealthCheck(key);
    }
}
