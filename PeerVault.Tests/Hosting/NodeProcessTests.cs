using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Hosting;

/// <summary>The node executable itself, as a user starts it: separate OS processes on loopback.</summary>
[Trait("Category", "Distributed")]
public sealed class NodeProcessTests
{
    internal static Dictionary<string, string?> Environment(string name, ClusterSecrets? secrets, string dataDirectory, string bootstrap = "", string environment = "Production")
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

        var url = await node.WaitForLineAsync(@"serving its HTTP API on (http://[^\s,]+)");

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
        AssertNoStackTrace(node);
    }

    [Fact]
    public async Task A_node_whose_peer_port_is_taken_refuses_in_one_line_naming_P2P_PORT()
    {
        using var directory = new TempDirectory();
        using var squatter = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Any, 0);
        squatter.Start();
        var port = ((System.Net.IPEndPoint)squatter.LocalEndpoint).Port;
        var environment = Environment("node1", ClusterSecrets.Generate(), directory.Sub("data"));
        environment["P2P_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await using var node = ServiceProcess.Start("node1", "PeerVault.Node", environment, directory.Path);

        Assert.Equal(3, await node.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains(node.Lines, l => l == $"peervault-node: cannot start: P2P_PORT {port} is already in use by another process; stop it, or set P2P_PORT to a free port (0 picks any).");
        AssertNoStackTrace(node);
    }

    [Fact]
    public async Task A_node_whose_http_port_is_taken_refuses_in_one_line_naming_the_address()
    {
        using var directory = new TempDirectory();
        using var squatter = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        squatter.Start();
        var address = $"http://127.0.0.1:{((System.Net.IPEndPoint)squatter.LocalEndpoint).Port}";
        var environment = Environment("node1", ClusterSecrets.Generate(), directory.Sub("data"));
        environment["ASPNETCORE_URLS"] = address;
        await using var node = ServiceProcess.Start("node1", "PeerVault.Node", environment, directory.Path);

        Assert.Equal(3, await node.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains(node.Lines, l => l.StartsWith("peervault-node: cannot start: ", StringComparison.Ordinal) && l.Contains(address, StringComparison.Ordinal) && l.Contains("ASPNETCORE_URLS", StringComparison.Ordinal));
        AssertNoStackTrace(node);
    }

    [Fact]
    public async Task A_second_node_on_a_data_directory_another_node_holds_refuses_and_the_first_keeps_serving()
    {
        using var directory = new TempDirectory();
        var secrets = ClusterSecrets.Generate();
        await using var first = ServiceProcess.Start("node1", "PeerVault.Node", Environment("node1", secrets, directory.Sub("data")), directory.Path);
        var url = await first.WaitForLineAsync(@"serving its HTTP API on (http://[^\s,]+)");

        await using var second = ServiceProcess.Start("node2", "PeerVault.Node", Environment("node2", secrets, directory.Sub("data")), directory.Path);

        Assert.Equal(3, await second.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains(second.Lines, l => l.StartsWith("peervault-node: cannot start: Data directory", StringComparison.Ordinal) && l.Contains("PEERVAULT_DATA_DIR", StringComparison.Ordinal));
        AssertNoStackTrace(second);
        using var http = new HttpClient { BaseAddress = new Uri(url) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", secrets.ApiKey);
        using var put = await http.PutAsync("/v1/objects/still-mine", new ByteArrayContent([1, 2, 3]), TestContext.Current.CancellationToken);
        Assert.Equal(System.Net.HttpStatusCode.Created, put.StatusCode);
        Assert.False(first.HasExited);
    }

    private static void AssertNoStackTrace(ServiceProcess process) =>
        Assert.DoesNotContain(process.Lines, l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal) || l.Contains("Exception", StringComparison.Ordinal));

    [Fact]
    public async Task Three_node_processes_store_through_node3_and_serve_every_file_from_node1_and_node2()
    {
        using var directory = new TempDirectory();
        var secrets = ClusterSecrets.Generate();
        var nodes = new List<(ServiceProcess Process, HttpClient Http, string P2P)>();

        // Every process started, kept from the moment it starts: one that never says it serves still ends with the test.
        var started = new List<ServiceProcess>();
        try
        {
            for (var i = 1; i <= 3; i++)
            {
                var bootstrap = string.Join(',', nodes.Select(n => $"127.0.0.1:{n.P2P}"));
                var process = ServiceProcess.Start($"node{i}", "PeerVault.Node", Environment($"node{i}", secrets, directory.Sub($"node{i}"), bootstrap), directory.Path);
                started.Add(process);
                var p2p = await process.WaitForLineAsync(@"listening for peers on TCP port (\d+)");
                var url = await process.WaitForLineAsync(@"serving its HTTP API on (http://[^\s,]+)");
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
            foreach (var (_, http, _) in nodes)
            {
                http.Dispose();
            }

            foreach (var process in started)
            {
                await process.DisposeAsync();
            }
        }
    }

    private static Task WaitForPeersAsync(ServiceProcess process, int count)
        => Poll.UntilAsync(() => process.Lines.Count(l => l.Contains("Connected to peer", StringComparison.Ordinal)) >= count, $"{count} peers connect");
}
