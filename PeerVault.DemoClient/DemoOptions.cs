using Microsoft.Extensions.Configuration;

namespace PeerVault.DemoClient;

/// <summary>
/// What the demo does. Nodes are every service-discovery reference with an HTTP endpoint
/// (<c>services__node1__http__0</c> …); the target is the node that stores go through.
/// </summary>
public sealed record DemoOptions
{
    /// <summary>The node every store goes through (<c>DEMO_TARGET</c>).</summary>
    public string Target { get; init; } = "node3";

    /// <summary>Every node the demo reads back through.</summary>
    public IReadOnlyList<string> Nodes { get; init; } = [];

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

    /// <summary>True when no node was configured and <see cref="Target"/> is only the default name.</summary>
    public bool NoNodesConfigured { get; init; }

    public static DemoOptions From(IConfiguration configuration, string[] args)
    {
        var nodes = configuration.GetSection("services").GetChildren()
            .Where(s => s.GetSection("http").Exists() || s.GetSection("https").Exists())
            .Select(s => s.Key)
            .Order(StringComparer.Ordinal)
            .ToList();
        var target = configuration["DEMO_TARGET"] is { Length: > 0 } t ? t : "node3";
        var noNodes = nodes.Count == 0;
        if (noNodes)
        {
            nodes.Add(target);
        }

        return new DemoOptions
        {
            Target = target,
            Nodes = nodes,
            LargeFileBytes = int.TryParse(configuration["DEMO_LARGE_FILE_BYTES"], out var large) && large > 0 ? large : 3 << 20,
            FetchOnly = args.Contains("--fetch-only", StringComparer.Ordinal),
            ReachDeadline = TimeSpan.FromSeconds(double.TryParse(configuration["DEMO_DEADLINE_SECONDS"], System.Globalization.CultureInfo.InvariantCulture, out var deadline) && deadline > 0 ? deadline : 20),
            NoNodesConfigured = noNodes,
        };
    }
}
