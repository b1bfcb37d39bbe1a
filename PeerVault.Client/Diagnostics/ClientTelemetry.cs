using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Reflection;

namespace PeerVault.Client.Diagnostics;

/// <summary>
/// The client's spans and metrics. Each operation is one span (<c>peervault put</c>, …) around
/// every attempt it made; the HTTP request under it carries the trace to the node in
/// <c>traceparent</c> (HttpClient injects the current span's context), so the node's spans join
/// the caller's trace.
/// </summary>
internal static class ClientTelemetry
{
    public const string SourceName = "PeerVault.Client";

    private static readonly string? Version = typeof(ClientTelemetry).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;

    public static readonly ActivitySource Source = new(SourceName, Version);

    public static readonly Meter Meter = new(SourceName, Version);

    /// <summary>Duration of each operation, all its attempts included; tagged with the operation and, on failure, <c>error.type</c>.</summary>
    public static readonly Histogram<double> Duration = Meter.CreateHistogram<double>(
        "peervault.client.operation.duration",
        unit: "s",
        description: "Duration of PeerVault client operations, failovers included.");

    /// <summary>Attempts that moved on to the next endpoint (it could not be reached, or its storage refused a write).</summary>
    public static readonly Counter<long> Failovers = Meter.CreateCounter<long>(
        "peervault.client.failovers",
        unit: "{attempt}",
        description: "Requests a PeerVault client sent to another endpoint because one failed.");
}
