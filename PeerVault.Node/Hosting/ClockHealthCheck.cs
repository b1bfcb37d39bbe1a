using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using PeerVault.Node.Net;

namespace PeerVault.Node.Hosting;

/// <summary>
/// Degraded (still ready: it serves) while a connected peer's clock is surely further off this
/// node's than <c>PEERVAULT_CLOCK_OFFSET_WARN_SECONDS</c>, naming the peer and the offset. Versions
/// follow the clocks: a write through a node far ahead wins over concurrent writes elsewhere.
/// </summary>
internal sealed class ClockHealthCheck(PeerClocks clocks) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var peers = clocks.Snapshot();
        var beyond = peers.Where(p => p.BeyondWarning).ToList();
        return Task.FromResult(beyond.Count == 0
            ? HealthCheckResult.Healthy($"{peers.Count} peer clock(s) within {Seconds(clocks.Warning.TotalSeconds)} s")
            : HealthCheckResult.Degraded(string.Join("; ", beyond.Select(p => $"{p.PeerName}'s clock is {Signed(p.Offset.TotalSeconds)} s off this node's (more than {Seconds(clocks.Warning.TotalSeconds)} s)"))));
    }

    private static string Signed(double seconds) => seconds.ToString("+0.0;-0.0", CultureInfo.InvariantCulture);

    private static string Seconds(double seconds) => seconds.ToString("0.###", CultureInfo.InvariantCulture);
}
