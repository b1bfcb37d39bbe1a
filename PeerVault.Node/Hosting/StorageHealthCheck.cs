using Microsoft.Extensions.Diagnostics.HealthChecks;
using PeerVault.Node.Storage;

namespace PeerVault.Node.Hosting;

/// <summary>
/// Readiness: healthy while the data directory is there and takes writes (a vanished one is
/// recreated by the probe itself when it can be); a node that cannot store must not take traffic.
/// </summary>
internal sealed class StorageHealthCheck(StorageHealth storage, KeyIndex index) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        => Task.FromResult(storage.Check()
            ? HealthCheckResult.Healthy($"{index.Count} objects")
            : HealthCheckResult.Unhealthy(storage.Problem));
}
