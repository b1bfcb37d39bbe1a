using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Node;

/// <summary>The node executable itself, as a user starts it: separate OS processes on loopback.</summary>
[Trait("Category", "Distributed")]
public sealed class NodeProcessTests
{
    private static Dictionary<string, string?> Environment(string name, ClusterSecrets? secrets, string dataDirectory, string bootstrap = "", string environment = "Production")
    {
        var variables = new Dictionary<string, string?>
        {
            ["PEERVAULT_NODE_NAME"] = name,
            ["PEERVAULT_DATA_DIR"] = dataDirectory,
            ["PEERVAULT_BOOTSTRAP"] = bootstrap,
            ["P2P_PORT"] = "0",
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
            ["ASPNETCORE_ENVIRONMENT"] = environment,
            ["DOTNET_ENVIRONMENT"] = environment,
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = null,
            ["PEERVAULT_CLUSTER_KEY"] = null,
            ["PEERVAULT_AUTH_TOKEN"] = null,
            ["PEERVAULT_API_KEY"] = null,
        };
        foreach (var (key, value) in secrets?.Environment() ?? [])
        {
            variables[key] = value;
        }

        return variables;
    }

    [Fact]
    public async Task Outside_development_a_node_without_its_secrets_refuses_to_start_naming_each_one()
    {
        using var directory = new TempDirectory();
        await using var node = ServiceProcess.Start("node1", "PeerVault.Node", Environment("node1", secrets: null, directory.Sub("data")), directory.Path);

        var exitCode = await node.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.NotEqual(0, exitCode);
        var refusal = Assert.Single(node.Lines, l => l.Contains("Refusing to start", StringComparison.Ordinal));
        Assert.Contains("PEERVAULT_CLUSTER_KEY", refusal, StringComparison.Ordinal);
        Assert.Contains("PEERVAULT_AUTH_TOKEN", refusal, StringComparison.Ordinal);
        Assert.Contains("PEERVAULT_API_KEY", refusal, StringComparison.Ordinal);
        Assert.DoesNotContain(node.Lines, l => l.Contains("   at ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task In_development_a_node_without_its_secrets_starts_and_warns_for_each_fallback()
    {
        using var directory = new TempDirectory();
        await using var node = ServiceProcess.Start("node1", "PeerVault.Node", Environment("node1", secrets: null, directory.Sub("data"), environment: "Development"), directory.Path);

        var url = await node.WaitForLineAsync(@"Now listening on: (http://\S+)");

        foreach (var variable in new[] { "PEERVAULT_CLUSTER_KEY", "PEERVAULT_AUTH_TOKEN", "PEERVAULT_API_KEY" })
        {
            Assert.Contains(node.Lines, l => l.Contains($"{variable} is not set", StringComparison.Ordinal));
        }

        // The development API key is kept in the data directory, where the developer can read it.
        var apiKey = (await File.ReadAllTextAsync(Path.Combine(directory.Sub("data"), "dev-api.key"), TestContext.Current.CancellationToken)).Trim();
        using var anonymous = new HttpClient { BaseAddress = new Uri(url) };
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/v1/objects", TestContext.Current.CancellationToken)).StatusCode);
        using var authorized = new HttpClient { BaseAddress = new Uri(url) };
        authorized.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", apiKey);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await authorized.GetAsync("/v1/objects", TestContext.Current.CancellationToken)).StatusCode);
    }

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
                var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromMinutes(2) };
                http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", secrets.ApiKey);
                nodes.Add((process, http, p2p));
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
