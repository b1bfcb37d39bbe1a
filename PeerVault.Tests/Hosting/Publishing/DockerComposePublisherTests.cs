using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Hosting.Publishing;

/// <summary><c>--publisher docker-compose</c>: the compose file as data, against the compose spec, and through docker-compose itself.</summary>
[Trait("Category", "Publishing")]
public sealed partial class DockerComposePublisherTests
{
    private static readonly string[] Variables = ["CLUSTER_KEY", "AUTH_TOKEN", "API_KEY", "S3_ACCESS_KEY", "S3_SECRET_KEY", "DASHBOARD_BROWSER_TOKEN"];

    private static Dictionary<string, string> AllSet() => new()
    {
        ["CLUSTER_KEY"] = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
        ["AUTH_TOKEN"] = "an-auth-token-of-thirty-two-chars",
        ["API_KEY"] = "an-api-key-of-thirty-two-characters",
        ["S3_ACCESS_KEY"] = "0123456789abcdef0123",
        ["S3_SECRET_KEY"] = "an-s3-secret-key-for-the-test",
        ["DASHBOARD_BROWSER_TOKEN"] = "a-browser-token",
    };

    private static async Task<(PublishRun Run, JsonNode Compose)> PublishAsync(TempDirectory directory, params string[] arguments)
    {
        var run = await AppHostPublisher.PublishAsync(directory, "docker-compose", directory.Sub("compose"), arguments);
        return (run, PublishedSchemas.FromYaml(run.Read("docker-compose.yaml")));
    }

    [Fact]
    public async Task The_compose_file_passes_the_compose_spec_and_docker_compose_config_once_every_variable_is_set()
    {
        using var directory = new TempDirectory();
        var (run, compose) = await PublishAsync(directory);

        Assert.Empty(PublishedSchemas.Errors(PublishedSchemas.ComposeSpec, compose));
        var (exitCode, output) = await DockerComposeCli.ConfigAsync(run.OutputPath, Variables, AllSet());
        Assert.True(exitCode == 0, output);
        AppHostPublisher.AssertNoSecretIn(run);
    }

    [Theory]
    [InlineData("CLUSTER_KEY")]
    [InlineData("AUTH_TOKEN")]
    [InlineData("API_KEY")]
    [InlineData("S3_SECRET_KEY")]
    [InlineData("DASHBOARD_BROWSER_TOKEN")]
    public async Task Docker_compose_refuses_the_file_while_a_secret_is_empty_and_says_how_to_make_one(string empty)
    {
        using var directory = new TempDirectory();
        var (run, _) = await PublishAsync(directory);

        var variables = AllSet();
        variables[empty] = string.Empty;
        var (exitCode, output) = await DockerComposeCli.ConfigAsync(run.OutputPath, Variables, variables);

        Assert.NotEqual(0, exitCode);
        Assert.Contains($"set {empty} in .env: openssl rand -hex", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Docker_compose_refuses_the_file_as_published_because_its_env_file_holds_no_value()
    {
        using var directory = new TempDirectory();
        var (run, _) = await PublishAsync(directory);

        var (exitCode, output) = await DockerComposeCli.ConfigAsync(run.OutputPath, Variables, new Dictionary<string, string>());

        Assert.NotEqual(0, exitCode);
        Assert.Contains("in .env: openssl rand -hex", output, StringComparison.Ordinal);
    }

    [Fact]
    public void The_compose_spec_rejects_restart_written_as_a_yaml_boolean()
    {
        // What compose v1 rejected before: a plain `no` is the boolean false to YAML 1.1.
        var compose = PublishedSchemas.FromYaml("services:\n  demo:\n    image: \"demo:1.0.0\"\n    restart: no\n");

        Assert.NotEmpty(PublishedSchemas.Errors(PublishedSchemas.ComposeSpec, compose));
    }

    [Fact]
    public async Task Nodes_reach_each_other_by_service_name_and_keep_data_in_their_own_volume()
    {
        using var directory = new TempDirectory();
        var (run, compose) = await PublishAsync(directory);
        var services = compose["services"]!.AsObject();
        var nodes = Nodes(services);
        Assert.Equal(["node1", "node2", "node3"], nodes.Select(n => n.Key));

        var hostPorts = new List<string>();
        foreach (var (name, node) in nodes)
        {
            string Env(string variable) => node!["environment"]![variable]!.GetValue<string>();
            Assert.Equal("peervault-node:1.0.0", node!["image"]!.GetValue<string>());
            Assert.StartsWith("${CLUSTER_KEY:?", Env("PEERVAULT_CLUSTER_KEY"), StringComparison.Ordinal);
            Assert.StartsWith("${AUTH_TOKEN:?", Env("PEERVAULT_AUTH_TOKEN"), StringComparison.Ordinal);
            Assert.StartsWith("${API_KEY:?", Env("PEERVAULT_API_KEY"), StringComparison.Ordinal);
            Assert.Equal(name, Env("PEERVAULT_NODE_NAME"));

            var expose = Strings(node["expose"]);
            Assert.Equal(["8080", "7000", "9000"], expose);
            Assert.Equal("8080", Env("HTTP_PORTS"));
            Assert.Equal("7000", Env("P2P_PORT"));
            Assert.Equal("9000", Env("S3_PORT"));
            Assert.StartsWith("${S3_ACCESS_KEY:?", Env("PEERVAULT_S3_ACCESS_KEY"), StringComparison.Ordinal);
            Assert.StartsWith("${S3_SECRET_KEY:?", Env("PEERVAULT_S3_SECRET_KEY"), StringComparison.Ordinal);
            foreach (var (peer, _) in nodes.Where(n => n.Key != name))
            {
                Assert.Equal($"tcp://{peer}:7000", Env($"services__{peer}__tcp__0"));
                Assert.Equal($"tcp://{peer}:7000", Env($"{peer.ToUpperInvariant()}_TCP"));
                Assert.Equal($"http://{peer}:8080", Env($"services__{peer}__http__0"));
                Assert.Equal($"http://{peer}:9000", Env($"services__{peer}__s3__0"));
            }

            // The API and S3 are published to the host, on loopback only.
            var ports = Strings(node["ports"]);
            Assert.Equal(2, ports.Count);
            var port = Assert.Single(ports, p => p.EndsWith(":8080", StringComparison.Ordinal));
            Assert.Matches(@"^127\.0\.0\.1:\d+:8080$", port);
            Assert.Matches(@"^127\.0\.0\.1:\d+:9000$", Assert.Single(ports, p => p.EndsWith(":9000", StringComparison.Ordinal)));
            hostPorts.Add(port.Split(':')[1]);

            var volume = Assert.Single(Strings(node["volumes"]));
            Assert.Equal($"{name}-data:{Env("PEERVAULT_DATA_DIR")}", volume);
            Assert.Equal("/data", Env("PEERVAULT_DATA_DIR"));
            Assert.NotNull(compose["volumes"]![$"{name}-data"]);

            Assert.Equal(["CMD", "dotnet", "PeerVault.Node.dll", "--probe", "http://localhost:8080/health"], Strings(node["healthcheck"]!["test"]));
        }

        Assert.Equal(3, hostPorts.Distinct().Count());

        // Quoted in the file itself, not just a string once parsed: compose v1 reads a plain `no` as a boolean.
        var text = run.Read("docker-compose.yaml");
        Assert.Equal(4, RestartUnlessStopped().Count(text)); // the three nodes and the dashboard
        Assert.Contains("restart: \"no\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_demo_waits_for_every_node_to_be_healthy_and_is_not_restarted_when_it_is_done()
    {
        using var directory = new TempDirectory();
        var (_, compose) = await PublishAsync(directory);
        var demo = compose["services"]!["demo"]!;

        var dependsOn = demo["depends_on"]!.AsObject();
        Assert.Equal(["node1", "node2", "node3"], dependsOn.Select(d => d.Key));
        Assert.All(dependsOn, d => Assert.Equal("service_healthy", d.Value!["condition"]!.GetValue<string>()));
        Assert.Equal("no", demo["restart"]!.GetValue<string>());
        Assert.Equal("node3", demo["environment"]!["DEMO_TARGET"]!.GetValue<string>());
        // The cluster's connection string: every node at its service name, the key from .env.
        Assert.StartsWith("Endpoints=http://node1:8080,http://node2:8080,http://node3:8080;Key=${API_KEY:?", demo["environment"]!["ConnectionStrings__peervault"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Null(demo["healthcheck"]);
        Assert.Null(demo["ports"]);
    }

    [Fact]
    public async Task Every_service_sends_its_telemetry_to_the_dashboard_whose_ui_needs_a_token()
    {
        using var directory = new TempDirectory();
        var (_, compose) = await PublishAsync(directory);
        var services = compose["services"]!.AsObject();

        var dashboard = services["aspire-dashboard"]!;
        Assert.Equal(AppHostPublisher.DashboardImage, dashboard["image"]!.GetValue<string>());
        Assert.Equal("BrowserToken", dashboard["environment"]!["DASHBOARD__FRONTEND__AUTHMODE"]!.GetValue<string>());
        Assert.StartsWith("${DASHBOARD_BROWSER_TOKEN:?", dashboard["environment"]!["DASHBOARD__FRONTEND__BROWSERTOKEN"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(["18888:18888"], Strings(dashboard["ports"]));
        Assert.Equal(["18889"], Strings(dashboard["expose"]));

        foreach (var (name, service) in services.Where(s => s.Key != "aspire-dashboard"))
        {
            var env = service!["environment"]!;
            Assert.Equal("http://aspire-dashboard:18889", env["OTEL_EXPORTER_OTLP_ENDPOINT"]!.GetValue<string>());
            Assert.Equal("grpc", env["OTEL_EXPORTER_OTLP_PROTOCOL"]!.GetValue<string>());
            Assert.Equal(name, env["OTEL_SERVICE_NAME"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task The_env_file_lists_every_variable_empty_under_a_comment_on_how_to_generate_it()
    {
        using var directory = new TempDirectory();
        var (run, _) = await PublishAsync(directory);

        var lines = run.Read(".env").Split('\n');
        foreach (var variable in Variables)
        {
            var index = Array.IndexOf(lines, $"{variable}=");
            Assert.True(index >= 2, $"{variable}= is in .env, empty");
            Assert.StartsWith("# Generate one with: openssl rand -hex ", lines[index - 1], StringComparison.Ordinal);
        }

        Assert.Contains("# Generate one with: openssl rand -hex 32", lines[Array.IndexOf(lines, "CLUSTER_KEY=") - 1], StringComparison.Ordinal);
        Assert.All(lines.Where(l => l.Length > 0 && !l.StartsWith('#')), l => Assert.EndsWith("=", l, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Publishing_again_keeps_the_values_already_filled_into_the_env_file()
    {
        using var directory = new TempDirectory();
        var (run, _) = await PublishAsync(directory);
        var filled = run.Read(".env").Replace("AUTH_TOKEN=\n", "AUTH_TOKEN=kept-by-the-operator\n", StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(run.OutputPath, ".env"), filled);

        await PublishAsync(directory);

        Assert.Equal(filled, run.Read(".env"));
    }

    private static List<KeyValuePair<string, JsonNode?>> Nodes(JsonObject services)
        => [.. services.Where(s => s.Value!["environment"]?["PEERVAULT_CLUSTER_KEY"] is not null)];

    private static List<string> Strings(JsonNode? list) => [.. list!.AsArray().Select(i => i!.GetValue<string>())];

    [GeneratedRegex("restart: \"unless-stopped\"")]
    private static partial Regex RestartUnlessStopped();
}
