namespace PeerVault.Tests.Infrastructure;

/// <summary>
/// N in-process nodes sharing secrets: node1 starts alone, each later node bootstraps from all
/// earlier ones, so every pair ends up connected without racing for ports.
/// </summary>
public sealed class TestCluster : IAsyncDisposable
{
    private readonly TempDirectory _directory = new("peervault-cluster");

    private TestCluster(ClusterSecrets secrets) => Secrets = secrets;

    public ClusterSecrets Secrets { get; }

    public List<TestNode> Nodes { get; } = [];

    public TestNode this[string name] => Nodes.Single(n => n.Name == name);

    public string Root => _directory.Path;

    /// <summary>Starts <paramref name="size"/> nodes; <paramref name="clocks"/> may give a node (by name) its own wall clock.</summary>
    public static async Task<TestCluster> StartAsync(int size, ClusterSecrets? secrets = null, IDictionary<string, string?>? settings = null, IReadOnlyDictionary<string, TimeProvider>? clocks = null)
    {
        var cluster = new TestCluster(secrets ?? ClusterSecrets.Generate());
        try
        {
            for (var i = 1; i <= size; i++)
            {
                var name = $"node{i}";
                var node = await TestNode.StartAsync(name, cluster._directory.Sub(name), cluster.Secrets, cluster.Nodes.Select(n => n.P2PPort), settings, clocks?.GetValueOrDefault(name));
                cluster.Nodes.Add(node);
            }

            foreach (var node in cluster.Nodes)
            {
                await node.WaitForPeersAsync(size - 1);
            }

            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes)
        {
            await node.DisposeAsync();
        }

        _directory.Dispose();
    }
}
