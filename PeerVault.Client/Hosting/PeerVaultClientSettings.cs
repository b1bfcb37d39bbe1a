namespace PeerVault.Client.Hosting;

/// <summary>
/// The settings of <c>AddPeerVaultClient</c>, bound from <c>Aspire:PeerVault:Client</c> (and
/// <c>Aspire:PeerVault:Client:{name}</c>); the connection string comes from
/// <c>ConnectionStrings:{name}</c> when it is there.
/// </summary>
public sealed class PeerVaultClientSettings
{
    /// <summary>
    /// <c>Endpoints=http://a:8080,http://b:8080;Key=…</c> (see <see cref="PeerVaultConnectionString"/>);
    /// <c>ConnectionStrings:{name}</c> overrides it.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>Whether the PeerVault health check is left out. Default false.</summary>
    public bool DisableHealthChecks { get; set; }

    /// <summary>Whether the client's OpenTelemetry tracing (<c>PeerVault.Client</c> spans) is left out. Default false.</summary>
    public bool DisableTracing { get; set; }

    /// <summary>Whether the client's OpenTelemetry metrics (<c>peervault.client.*</c>) are left out. Default false.</summary>
    public bool DisableMetrics { get; set; }

    /// <summary>How long connecting to a node may take before the next endpoint is tried. Default 5 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a request without a body waits for its answer before the next endpoint is tried. Default 15 s.</summary>
    public TimeSpan ResponseTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long the health check may take in all. Default 10 s.</summary>
    public TimeSpan HealthCheckTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
