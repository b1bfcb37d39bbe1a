using PeerVault.Tests.Diagnostics;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.DemoClient;

/// <summary>The demo client as a real process, finding the nodes through service-discovery configuration.</summary>
[Trait("Category", "Distributed")]
[Collection(nameof(TelemetrySerial))]
public sealed class DemoClientTests
{
    private static Dictionary<string, string?> ServiceDiscovery(TestCluster cluster)
    {
        var environment = new Dictionary<string, string?>
        {
            ["DEMO_TARGET"] = "node3",
            ["DEMO_LARGE_FILE_BYTES"] = (1 << 20).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = null,
            ["DOTNET_ENVIRONMENT"] = "Development",
            ["PEERVAULT_API_KEY"] = cluster.Secrets.ApiKey,
        };
        foreach (var node in cluster.Nodes)
        {
            environment[$"services__{node.Name}__http__0"] = node.Http.BaseAddress!.ToString().TrimEnd('/');
        }

        return environment;
    }

    [Fact]
    public async Task With_no_node_running_the_demo_says_which_nodes_it_could_not_reach_in_one_line_each_and_exits_1()
    {
        using var directory = new TempDirectory();
        var environment = new Dictionary<string, string?>
        {
            ["DEMO_DEADLINE_SECONDS"] = "5",
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = null,
            ["PEERVAULT_API_KEY"] = "a-key-nobody-checks-here",
            ["services__node1__http__0"] = $"http://127.0.0.1:{FreePort.Next()}",
            ["services__node2__http__0"] = $"http://127.0.0.1:{FreePort.Next()}",
        };

        await using var demo = ServiceProcess.Start("demo", "PeerVault.DemoClient", environment, directory.Path);

        Assert.Equal(1, await demo.WaitForExitAsync(TimeSpan.FromMinutes(1)));
        var lines = demo.Lines.Where(l => !string.IsNullOrWhiteSpace(l)).ToList();
        Assert.Contains(lines, l => l.StartsWith("FAIL node1 unreachable: ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("FAIL node2 unreachable: ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("Nothing stored: 2 node(s) unreachable", StringComparison.Ordinal));
        Assert.True(lines.Count <= 4, string.Join(Environment.NewLine, lines));
        Assert.DoesNotContain(lines, l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal) || l.Contains("Exception", StringComparison.Ordinal));
    }

    [Fact]
    public async Task With_no_node_configured_the_demo_says_how_to_configure_one_and_exits_1()
    {
        using var directory = new TempDirectory();
        var environment = new Dictionary<string, string?> { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = null };

        await using var demo = ServiceProcess.Start("demo", "PeerVault.DemoClient", environment, directory.Path);

        Assert.Equal(1, await demo.WaitForExitAsync(TimeSpan.FromMinutes(1)));
        Assert.Contains(demo.Lines, l => l.StartsWith("FAIL no node configured", StringComparison.Ordinal) && l.Contains("services__node1__http__0", StringComparison.Ordinal));
        Assert.DoesNotContain(demo.Lines, l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_demo_stores_and_reads_back_every_file_and_a_tampered_file_fails_it_by_name()
    {
        using var telemetry = new TelemetryCapture();
        await using var cluster = await TestCluster.StartAsync(3);
        using var directory = new TempDirectory();

        await using (var demo = ServiceProcess.Start("demo", "PeerVault.DemoClient", ServiceDiscovery(cluster), directory.Path))
        {
            Assert.Equal(0, await demo.WaitForExitAsync(TimeSpan.FromMinutes(2)));
            var results = demo.Lines.Where(l => l.StartsWith("ok  ", StringComparison.Ordinal)).ToList();
            Assert.Equal(21, results.Count);
            foreach (var key in DemoFiles.Keys)
            {
                var line = Assert.Single(results, l => l.Contains($" {key} ", StringComparison.Ordinal));
                Assert.Contains("22 B", line, StringComparison.Ordinal);
                Assert.Contains("node3", line, StringComparison.Ordinal);
                Assert.Contains("\"my big data file here!\"", line, StringComparison.Ordinal);
            }

            Assert.Contains(results, l => l.Contains("large_random.bin", StringComparison.Ordinal) && l.Contains("1.0 MiB", StringComparison.Ordinal));
            // Progress goes to the log (the dashboard), not to the console, which carries the result.
            Assert.DoesNotContain(demo.Lines, l => l.Contains("fetching", StringComparison.Ordinal));
        }

        // No secret in anything a telemetry backend would have received from the nodes.
        var secrets = new[] { cluster.Secrets.ClusterKey, cluster.Secrets.AuthToken, cluster.Secrets.ApiKey };
        var exported = telemetry.AllText().Concat(cluster.Nodes.SelectMany(n => n.Logs.Lines)).ToList();
        Assert.NotEmpty(telemetry.Spans);
        Assert.Contains(telemetry.Measurements, m => m.Instrument == "peervault.bytes.stored");
        Assert.DoesNotContain(exported, text => secrets.Any(secret => text.Contains(secret, StringComparison.OrdinalIgnoreCase)));

        // Tamper with one file's ciphertext on every replica, then let the demo check the cluster.
        foreach (var node in cluster.Nodes)
        {
            Assert.True(node.Store.TryGetLocal("picture_5.png", out var entry));
            var blob = Directory.EnumerateFiles(Path.Combine(node.DataDirectory, "blobs"), entry.BlobId!, SearchOption.AllDirectories).Single();
            var bytes = await File.ReadAllBytesAsync(blob, TestContext.Current.CancellationToken);
            bytes[^5] ^= 0x40;
            await File.WriteAllBytesAsync(blob, bytes, TestContext.Current.CancellationToken);
        }

        await using (var check = ServiceProcess.Start("demo", "PeerVault.DemoClient", ServiceDiscovery(cluster), directory.Path, "--fetch-only"))
        {
            Assert.NotEqual(0, await check.WaitForExitAsync(TimeSpan.FromMinutes(2)));
            Assert.Contains(check.Lines, l => l.StartsWith("FAIL", StringComparison.Ordinal) && l.Contains("picture_5.png", StringComparison.Ordinal));
            Assert.Contains(check.Lines, l => l.StartsWith("FAILED picture_5.png", StringComparison.Ordinal) && l.Contains("verification", StringComparison.Ordinal));
            Assert.Equal(20, check.Lines.Count(l => l.StartsWith("ok  ", StringComparison.Ordinal)));
        }
    }
}
