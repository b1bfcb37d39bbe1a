using System.Text.Json;
using System.Text.RegularExpressions;
using PeerVault.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace PeerVault.Tests.AppHost;

/// <summary>The AppHost's three publishers, run as a user runs them, and their output checked as data.</summary>
public sealed partial class PublishTests
{
    private static readonly string[] Nodes = ["node1", "node2", "node3"];

    private static async Task PublishAsync(string publisher, string output)
    {
        using var directory = new TempDirectory();
        await using var apphost = ServiceProcess.Start("apphost", "PeerVault.AppHost", new Dictionary<string, string?>(), directory.Path, "--publisher", publisher, "--output-path", output);
        Assert.Equal(0, await apphost.WaitForExitAsync(TimeSpan.FromMinutes(1)));
    }

    [Fact]
    public async Task The_aspire_manifest_resolves_every_reference_and_never_inlines_a_secret()
    {
        using var output = new TempDirectory();
        var path = Path.Combine(output.Path, "out", "aspire-manifest.json");
        await PublishAsync("manifest", path);

        var resources = JsonDocument.Parse(await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken)).RootElement.GetProperty("resources");
        foreach (var secret in new[] { "cluster-key", "auth-token" })
        {
            var parameter = resources.GetProperty(secret);
            Assert.Equal("parameter.v0", parameter.GetProperty("type").GetString());
            Assert.Equal($"{{{secret}.inputs.value}}", parameter.GetProperty("value").GetString());
            var input = parameter.GetProperty("inputs").GetProperty("value");
            Assert.True(input.GetProperty("secret").GetBoolean());
            Assert.True(input.GetProperty("default").GetProperty("generate").GetProperty("minLength").GetInt32() >= 22);
        }

        foreach (var node in Nodes)
        {
            var entry = resources.GetProperty(node);
            Assert.Equal("project.v0", entry.GetProperty("type").GetString());
            Assert.True(File.Exists(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, entry.GetProperty("path").GetString()!))), "project path resolves from the manifest's folder");
            var env = entry.GetProperty("env");
            Assert.Equal("{cluster-key.value}", env.GetProperty("PEERVAULT_CLUSTER_KEY").GetString());
            Assert.Equal("{auth-token.value}", env.GetProperty("PEERVAULT_AUTH_TOKEN").GetString());
            Assert.Equal($"{{{node}.bindings.tcp.targetPort}}", env.GetProperty("P2P_PORT").GetString());
            foreach (var peer in Nodes.Where(n => n != node))
            {
                Assert.Equal($"{{{peer}.bindings.tcp.url}}", env.GetProperty($"services__{peer}__tcp__0").GetString());
            }

            var tcp = entry.GetProperty("bindings").GetProperty("tcp");
            Assert.Equal("tcp", tcp.GetProperty("scheme").GetString());
            Assert.Equal(7000, tcp.GetProperty("targetPort").GetInt32());
        }

        // Every expression names a resource and, for bindings, a binding that resource declares.
        var text = resources.GetRawText();
        foreach (Match expression in Expression().Matches(text))
        {
            var resource = resources.GetProperty(expression.Groups["resource"].Value);
            if (expression.Groups["binding"].Success)
            {
                Assert.True(resource.GetProperty("bindings").TryGetProperty(expression.Groups["binding"].Value, out _), expression.Value);
            }
        }

        Assert.DoesNotMatch(HexKey(), text);
    }

    [Fact]
    public async Task The_compose_file_gives_each_node_a_volume_real_peer_names_agreeing_ports_and_the_dashboard_for_otlp()
    {
        using var output = new TempDirectory();
        var directory = Path.Combine(output.Path, "compose");
        await PublishAsync("docker-compose", directory);

        var compose = LoadYaml(Path.Combine(directory, "docker-compose.yaml"));
        var services = (YamlMappingNode)compose["services"];
        var serviceNames = services.Children.Keys.Select(k => k.ToString()).ToHashSet();
        var dashboard = Assert.Single(serviceNames, n => n.Contains("dashboard", StringComparison.Ordinal));
        Assert.StartsWith("mcr.microsoft.com/dotnet/aspire-dashboard", services[dashboard]["image"].ToString(), StringComparison.Ordinal);
        var volumes = ((YamlMappingNode)compose["volumes"]).Children.Keys.Select(k => k.ToString()).ToList();
        var usedVolumes = new List<string>();

        foreach (var node in Nodes)
        {
            var service = (YamlMappingNode)services[node];
            var env = (YamlMappingNode)service["environment"];
            string Env(string name) => env[name].ToString();

            Assert.Equal("${CLUSTER_KEY}", Env("PEERVAULT_CLUSTER_KEY"));
            Assert.Equal("${AUTH_TOKEN}", Env("PEERVAULT_AUTH_TOKEN"));
            var mount = Assert.Single(((YamlSequenceNode)service["volumes"]).Children).ToString();
            var volume = mount.Split(':')[0];
            Assert.Contains(volume, volumes);
            Assert.Equal(Env("PEERVAULT_DATA_DIR"), mount.Split(':')[1]);
            usedVolumes.Add(volume);

            var exposed = ((YamlSequenceNode)service["expose"]).Children.Select(c => c.ToString()).ToList();
            Assert.Contains(Env("P2P_PORT"), exposed);
            Assert.Contains(Env("HTTP_PORTS"), exposed);
            Assert.Contains($"http://localhost:{Env("HTTP_PORTS")}/health", ((YamlSequenceNode)service["healthcheck"]["test"]).Children.Select(c => c.ToString()));

            foreach (var peer in Nodes.Where(n => n != node))
            {
                var url = new Uri(Env($"services__{peer}__tcp__0"));
                Assert.Equal(url.ToString().TrimEnd('/'), Env($"{peer.ToUpperInvariant()}_TCP"));
                Assert.Contains(url.Host, serviceNames);
                Assert.Equal(services[url.Host]["environment"]["P2P_PORT"].ToString(), url.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            var otlp = new Uri(Env("OTEL_EXPORTER_OTLP_ENDPOINT"));
            Assert.Equal(dashboard, otlp.Host);
            Assert.Contains(otlp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), ((YamlSequenceNode)services[dashboard]["expose"]).Children.Select(c => c.ToString()));
        }

        Assert.Equal(3, usedVolumes.Distinct().Count());
        var demo = (YamlMappingNode)services["demo"];
        foreach (var node in Nodes)
        {
            Assert.Equal("service_healthy", demo["depends_on"][node]["condition"].ToString());
        }

        var dotEnv = await File.ReadAllTextAsync(Path.Combine(directory, ".env"), TestContext.Current.CancellationToken);
        Assert.Matches("(?m)^CLUSTER_KEY=$", dotEnv);
        Assert.Matches("(?m)^AUTH_TOKEN=$", dotEnv);
        Assert.Contains("openssl rand -hex 32", dotEnv, StringComparison.Ordinal);
        Assert.DoesNotMatch(HexKey(), await File.ReadAllTextAsync(Path.Combine(directory, "docker-compose.yaml"), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task The_kubernetes_output_runs_each_node_as_a_statefulset_with_its_own_volume_stable_dns_probes_and_no_root()
    {
        using var output = new TempDirectory();
        var directory = Path.Combine(output.Path, "k8s");
        await PublishAsync("kubernetes", directory);

        var documents = Directory.GetFiles(directory, "*.yaml").SelectMany(LoadYamlDocuments).ToList();
        YamlMappingNode Find(string kind, string name) => documents.Single(d => d["kind"].ToString() == kind && d["metadata"]["name"].ToString() == name);

        var secret = Find("Secret", "peervault-parameters");
        Assert.Equal("${CLUSTER_KEY}", secret["stringData"]["cluster-key"].ToString());
        Assert.Equal("${AUTH_TOKEN}", secret["stringData"]["auth-token"].ToString());

        foreach (var node in Nodes)
        {
            var set = Find("StatefulSet", node);
            var service = Find("Service", node);
            Assert.Equal(node, set["spec"]["serviceName"].ToString());
            Assert.Equal("None", service["spec"]["clusterIP"].ToString());
            Assert.Single(((YamlSequenceNode)set["spec"]["volumeClaimTemplates"]).Children);

            var pod = (YamlMappingNode)set["spec"]["template"]["spec"];
            var container = (YamlMappingNode)((YamlSequenceNode)pod["containers"]).Children.Single();
            var ports = ((YamlSequenceNode)container["ports"]).Children.ToDictionary(p => p["name"].ToString(), p => p["containerPort"].ToString());
            var servicePorts = ((YamlSequenceNode)service["spec"]["ports"]).Children.ToDictionary(p => p["name"].ToString(), p => (Port: p["port"].ToString(), Target: p["targetPort"].ToString()));
            foreach (var (name, (port, target)) in servicePorts)
            {
                Assert.Equal(ports[name], port);
                Assert.Equal(name, target);
            }

            Assert.Equal("/health", container["readinessProbe"]["httpGet"]["path"].ToString());
            Assert.Equal("/alive", container["livenessProbe"]["httpGet"]["path"].ToString());
            Assert.Contains(container["readinessProbe"]["httpGet"]["port"].ToString(), ports.Keys);
            Assert.Equal("true", container["securityContext"]["runAsNonRoot"].ToString());
            Assert.NotNull(container["resources"]["requests"]["memory"]);

            var env = ((YamlSequenceNode)container["env"]).Children.ToDictionary(e => e["name"].ToString(), e => (YamlMappingNode)e);
            Assert.Equal("cluster-key", env["PEERVAULT_CLUSTER_KEY"]["valueFrom"]["secretKeyRef"]["key"].ToString());
            Assert.Equal(ports["tcp"], env["P2P_PORT"]["value"].ToString());
            var dataMount = ((YamlSequenceNode)container["volumeMounts"]).Children.Single(m => m["name"].ToString() == "data");
            Assert.Equal(env["PEERVAULT_DATA_DIR"]["value"].ToString(), dataMount["mountPath"].ToString());
            foreach (var peer in Nodes.Where(n => n != node))
            {
                var url = new Uri(env[$"services__{peer}__tcp__0"]["value"].ToString());
                Assert.Equal(peer, url.Host);
                Assert.Equal(8080 == url.Port ? "http" : "tcp", ((YamlSequenceNode)Find("Service", peer)["spec"]["ports"]).Children.Single(p => p["port"].ToString() == url.Port.ToString(System.Globalization.CultureInfo.InvariantCulture))["name"].ToString());
            }
        }

        Assert.Equal("Job", documents.Single(d => d["metadata"]["name"].ToString() == "demo")["kind"].ToString());
        foreach (var file in Directory.GetFiles(directory))
        {
            Assert.DoesNotMatch(HexKey(), await File.ReadAllTextAsync(file, TestContext.Current.CancellationToken));
        }
    }

    private static YamlMappingNode LoadYaml(string path) => LoadYamlDocuments(path).Single();

    private static IEnumerable<YamlMappingNode> LoadYamlDocuments(string path)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(path);
        stream.Load(reader);
        return stream.Documents.Select(d => (YamlMappingNode)d.RootNode);
    }

    [GeneratedRegex(@"\{(?<resource>[a-z0-9-]+)\.(bindings\.(?<binding>[a-z0-9-]+)\.(url|targetPort|port|host)|value|inputs\.value)\}")]
    private static partial Regex Expression();

    /// <summary>Anything that looks like a real cluster key.</summary>
    [GeneratedRegex("[0-9a-f]{64}")]
    private static partial Regex HexKey();
}
