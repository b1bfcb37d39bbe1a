using Microsoft.Extensions.Diagnostics.HealthChecks;
using PeerVault.Node.Cluster.Membership;

namespace PeerVault.Node.Hosting;

/// <summary>
/// Readiness: a node that has not yet heard from its cluster since it started does not take
/// traffic (it would answer every client request 503 anyway, see <see cref="ClusterReadiness"/>).
/// </summary>
internal sealed class ClusterReadinessCheck(ClusterReadiness readiness) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        => Task.FromResult(readiness.Problem is { } problem ? HealthCheckResult.Unhealthy(problem) : HealthCheckResult.Healthy("joined"));
}
