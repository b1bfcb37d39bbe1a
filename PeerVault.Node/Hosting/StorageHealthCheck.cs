using Microsoft.Extensions.Diagnostics.HealthChecks;
using PeerVault.Node.Storage;

namespace PeerVault.Node.Hosting;

/// <summary>Healthy while the data directory can be written: a node that cannot store must not take traffic.</summary>
internal sealed class StorageHealthCheck(NodeSettings settings, KeyIndex index) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var probe = Path.Combine(settings.DataDirectory, "tmp", ".health");
        try
        {
            File.WriteAllText(probe, "ok");
            File.Delete(probe);
            return Task.FromResult(HealthCheckResult.Healthy($"{index.Count} objects"));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy($"Data directory is not writable: {ex.Message}"));
        }
    }
}
