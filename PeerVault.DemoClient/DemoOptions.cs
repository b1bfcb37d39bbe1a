using System.Data.Common;
using Microsoft.Extensions.Configuration;
using PeerVault.Contracts;

namespace PeerVault.DemoClient;

/// <summary>
/// What the demo does. The nodes are the cluster's endpoints from its connection string
/// (<c>ConnectionStrings__peervault</c>, which the AppHost's <c>.WithReference(cluster)</c> sets);
/// started by hand, every service-discovery entry with an HTTP endpoint
/// (<c>services__node1__http__0</c> …) names a node instead. The target is the node stores go through.
/// </summary>
public sealed record DemoOptions
{
    /// <summary>The name of the connection string (the cluster resource's name in the AppHost).</summary>
    public const string ConnectionName = "peervault";

    /// <summary>The node every store goes through (<c>DEMO_TARGET</c>).</summary>
    public string Target { get; init; } = "node3";

    /// <summary>Nodes named by service discovery (by hand); with a connection string, nodes say their own names.</summary>
    public IReadOnlyList<(string Name, Uri Endpoint)> NamedEndpoints { get; init; } = [];

    public int SmallFiles { get; init; } = 20;

    /// <summary>Size of the one larger random file, to cross chunk boundaries (<c>DEMO_LARGE_FILE_BYTES</c>).</summary>
    public int LargeFileBytes { get; init; } = 3 << 20;

    /// <summary>Only read back and compare what an earlier run stored (<c>--fetch-only</c>).</summary>
    public bool FetchOnly { get; init; }

    /// <summary>
    /// How long the demo waits for every node to answer before it gives up with one line per node
    /// it could not reach (<c>DEMO_DEADLINE_SECONDS</c>).
    /// </summary>
    public TimeSpan ReachDeadline { get; init; } = TimeSpan.FromSeconds(20);

    public static DemoOptions From(IConfiguration configuration, string[] args)
    {
        var named = configuration.GetSection("services").GetChildren()
            .Select(s => (Name: s.Key, Url: s["http:0"] ?? s["https:0"]))
            .Where(s => Uri.TryCreate(s.Url, UriKind.Absolute, out _))
            .OrderBy(s => s.Name, StringComparer.Ordinal)
            .Select(s => (s.Name, new Uri(s.Url!)))
            .ToList();
        return new DemoOptions
        {
            Target = configuration["DEMO_TARGET"] is { Length: > 0 } t ? t : "node3",
            NamedEndpoints = named,
            LargeFileBytes = int.TryParse(configuration["DEMO_LARGE_FILE_BYTES"], out var large) && large > 0 ? large : 3 << 20,
            FetchOnly = args.Contains("--fetch-only", StringComparer.Ordinal),
            ReachDeadline = TimeSpan.FromSeconds(double.TryParse(configuration["DEMO_DEADLINE_SECONDS"], System.Globalization.CultureInfo.InvariantCulture, out var deadline) && deadline > 0 ? deadline : 20),
        };
    }

    /// <summary>
    /// Without a connection string, the one the service-discovery entries and <c>PEERVAULT_API_KEY</c>
    /// make; null when nothing names a node.
    /// </summary>
    public string? FallbackConnectionString(string? apiKey)
    {
        if (NamedEndpoints.Count == 0)
        {
            return null;
        }

        var builder = new DbConnectionStringBuilder { [PeerVaultConnectionStringKeys.Endpoints] = string.Join(',', NamedEndpoints.Select(n => n.Endpoint.ToString().TrimEnd('/'))) };
        if (!string.IsNullOrEmpty(apiKey))
        {
            builder[PeerVaultConnectionStringKeys.Key] = apiKey;
        }

        return builder.ConnectionString;
    }

    /// <summary>The name service discovery gave this endpoint, if any.</summary>
    public string? NameOf(Uri endpoint)
        => NamedEndpoints.FirstOrDefault(n => Uri.Compare(n.Endpoint, endpoint, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0).Name;
}
