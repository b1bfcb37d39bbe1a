using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Node;

/// <summary>The node executable itself, as a user starts it: separate OS processes on loopback.</summary>
[Trait("Category", "Distributed")]
public sealed class NodeProcessTests
{
    private static Dictionary<string, string?> Environment(string name, ClusterSecrets secrets, string dataDirectory, string bootstrap = "") => new()
    {
        ["PEERVAULT_NODE_NAME"] = name,
        ["PEERVAULT_DATA_DIR"] = dataDirectory,
        ["PEERVAULT_CLUSTER_KEY"] = secrets.ClusterKey,
        ["PEERVAULT_AUTH_TOKEN"] = secrets.AuthToken,
        ["PEERVAULT_BOOTSTRAP"] = bootstrap,
        ["P2P_PORT"] = "0",
        ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = null,
    };

    [Theory]
    [InlineData("not-hex-at-all")]
    [InlineData("abcdef")]
    [InlineData("0000000000000000000000000000000000000000000000000000000000000000ff")]
    public async Task A_node_with_an_invalid_cluster_key_refuses_to_start_and_names_the_variable(string badKey)
    {
        using var directory = new TempDirectory();
        var environment = Environment("node1", ClusterSecrets.Generate() with { ClusterKey = badKey }, directory.Sub("data"));
        await using var node = ServiceProcess.Start("node1", "PeerVault.Node", environment, directory.Path);

        var exitCode = await node.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.NotEqual(0, exitCode);
        Assert.Contains(node.Lines, l => l.Contains("PEERVAULT_CLUSTER_KEY", StringComparison.Ordinal));
        Assert.DoesNotContain(node.Lines, l => l.Contains(badKey, StringComparison.Ordinal));
        Assert.False(Directory.Exists(directory.Sub("data/blobs")), "nothing is written by a node that refused to start");
    }

    [Fact]
    public async Task Three_node_processes_store_through_node3_and_serve_every_file_from_node1_and_node2()
    {
        using var directory = new TempDirectory();
        var secrets = ClusterSecrets.Generate();
        var nodes = new List<(ServiceProcess Process, HttpClient Http, string P2P)>();
        try
        {
            for (var i = 1; i <= 3; i++)
            {
                var bootstrap = string.Join(',', nodes.Select(n => $"127.0.0.1:{n.P2P}"));
                var process = ServiceProcess.Start($"node{i}", "PeerVault.Node", Environment($"node{i}", secrets, directory.Sub($"node{i}"), bootstrap), directory.Path);
                var p2p = await process.WaitForLineAsync(@"listening for peers on TCP port (\d+)");
                var url = await process.WaitForLineAsync(@"Now listening on: (http://\S+)");
                nodes.Add((process, new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromMinutes(2) }, p2p));
            }

            foreach (var (process, _, _) in nodes)
            {
                await WaitForPeersAsync(process, 2);
            }

            var node3 = nodes[2].Http;
            var large = DemoFiles.RandomBytes(8 << 20, seed: 11);
            foreach (var key in DemoFiles.Keys)
            {
                await node3.PutObjectAsync(key, DemoFiles.ContentBytes);
            }

            await node3.PutObjectAsync("large.bin", large);

            foreach (var (_, http, _) in nodes.Take(2))
            {
                foreach (var key in DemoFiles.Keys)
                {
                    Assert.Equal(DemoFiles.ContentBytes, await http.GetObjectAsync(key));
                }

                Assert.Equal(large, await http.GetObjectAsync("large.bin"));
            }

            Assert.Empty(Plaintext.FilesContaining(directory.Path, DemoFiles.ContentBytes));
            Assert.Empty(Plaintext.FilesContaining(directory.Path, large.AsSpan(4 << 20, 64)));
        }
        finally
        {
            foreach (var (process, http, _) in nodes)
            {
                http.Dispose();
                await process.DisposeAsync();
            }
        }
    }

    private static Task WaitForPeersAsync(ServiceProcess process, int count)
        => Poll.UntilAsync(() => process.Lines.Count(l => l.Contains("Connected to peer", StringComparison.Ordinal)) >= count, $"{count} peers connect");
}
