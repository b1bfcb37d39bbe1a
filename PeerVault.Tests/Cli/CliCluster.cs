using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Cli;

/// <summary>
/// One three-node in-process cluster shared by the CLI tests of a class (each test uses its own
/// keys), with a read-only API key configured next to the admin one.
/// </summary>
public sealed class CliCluster : IAsyncLifetime
{
    public const string ReaderKey = "reader-key-0123456789abcdef";

    public TestCluster Cluster { get; private set; } = null!;

    public TempDirectory Scratch { get; } = new("peervault-cli");

    public string Endpoint(int node = 0) => Cluster.Nodes[node].Http.BaseAddress!.ToString().TrimEnd('/');

    public string AllEndpoints => string.Join(',', Cluster.Nodes.Select((_, i) => Endpoint(i)));

    /// <summary>The environment a user would set: PEERVAULT_ENDPOINT and PEERVAULT_API_KEY.</summary>
    public Dictionary<string, string?> Environment(string? apiKey = null, int node = 0) => new()
    {
        ["PEERVAULT_ENDPOINT"] = Endpoint(node),
        ["PEERVAULT_API_KEY"] = apiKey ?? Cluster.Secrets.ApiKey,
    };

    public Task<CliResult> RunAsync(params string[] arguments) => CliProcess.RunAsync(arguments, Environment(), workingDirectory: Scratch.Path);

    public async ValueTask InitializeAsync()
    {
        Cluster = await TestCluster.StartAsync(3, settings: new Dictionary<string, string?>
        {
            ["PeerVault:ApiKeys:reader:Key"] = ReaderKey,
            ["PeerVault:ApiKeys:reader:Scopes"] = "read",
        });
    }

    public async ValueTask DisposeAsync()
    {
        await Cluster.DisposeAsync();
        Scratch.Dispose();
    }
}
