using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace PeerVault.Client.Hosting;

/// <summary>
/// The service's view of PeerVault: every endpoint asked for <c>/health</c> (ready: its storage is
/// writable), and the API key tried once on a ready one. Healthy when every endpoint is ready and
/// the key is accepted; degraded when some are not (the client fails over to the others);
/// unhealthy when none is, or the key is refused.
/// </summary>
internal sealed class PeerVaultHealthCheck(PeerVaultClient client) : IHealthCheck
{
    // Placement is computed by the node alone (no disk, no peer), so it checks the key cheaply.
    private const string ProbeKey = "peervault-health-check";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var checks = await Task.WhenAll(client.Endpoints.Select(e => ReadyAsync(client.ForEndpoint(e), cancellationToken)));
        var data = checks.ToDictionary(c => c.Endpoint.GetLeftPart(UriPartial.Authority), c => (object)c.State);
        var ready = checks.Where(c => c.Ready).ToList();
        if (ready.Count == 0)
        {
            return HealthCheckResult.Unhealthy($"No PeerVault endpoint is ready: {string.Join("; ", checks.Select(c => $"{c.Endpoint.GetLeftPart(UriPartial.Authority)} {c.State}"))}.", data: data);
        }

        try
        {
            await client.ForEndpoint(ready[0].Endpoint).GetPlacementAsync(ProbeKey, cancellationToken);
        }
        catch (PeerVaultUnauthorizedException ex) when (!ex.Forbidden)
        {
            return HealthCheckResult.Unhealthy($"PeerVault refuses the API key: {ex.Message}", data: data);
        }
        catch (PeerVaultUnauthorizedException)
        {
            // A valid key without the read scope (a write-only key): accepted, which is all this checks.
        }
        catch (PeerVaultException ex)
        {
            return HealthCheckResult.Degraded($"PeerVault answers /health but not an API request: {ex.Message}", ex, data);
        }

        return ready.Count == checks.Length
            ? HealthCheckResult.Healthy($"{ready.Count} PeerVault endpoint(s) ready.", data)
            : HealthCheckResult.Degraded($"{ready.Count} of {checks.Length} PeerVault endpoints ready.", data: data);
    }

    private static async Task<(Uri Endpoint, bool Ready, string State)> ReadyAsync(PeerVaultClient endpoint, CancellationToken cancellationToken)
    {
        try
        {
            var health = await endpoint.GetHealthAsync(cancellationToken);
            return (health.Endpoint, health.Ready, health.Ready ? "ready" : "not ready (storage not writable)");
        }
        catch (PeerVaultException ex)
        {
            return (endpoint.Endpoints[0], false, ex is PeerVaultUnreachableException { Failures: [var failure, ..] } ? $"unreachable ({failure.Reason})" : ex.Message);
        }
    }
}
