using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using PeerVault.Hosting;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.AppHost;

/// <summary>
/// What Aspire's real dashboard received over OTLP from a whole run, read back through its
/// telemetry API (<c>/api/telemetry/traces</c>, OTLP JSON) as a script or an operator would.
/// </summary>
[Collection(nameof(AppHostSerial))]
[Trait("Category", "Distributed")]
public sealed class DashboardTelemetryTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Every_demo_store_is_one_trace_through_the_demo_the_coordinating_node_and_both_replicas()
    {
        using var scope = new AppHostScope();
        await using var app = await AppHostRunner.StartAsync(scope, dashboard: true);
        await AppHostRunner.WaitForNodesAsync(app);
        var demo = await AppHostRunner.WaitForEndAsync(app, "demo", TimeSpan.FromMinutes(2));
        Assert.Equal(0, demo.ExitCode);

        var configuration = app.Services.GetRequiredService<IConfiguration>();
        // The orchestrator proxies the dashboard on a port of its own choosing under test.
        using var dashboard = new HttpClient { BaseAddress = app.GetEndpoint("aspire-dashboard", "http") };
        dashboard.DefaultRequestHeaders.Add("X-API-Key", configuration["AppHost:DashboardApiKey"]);

        // Spans arrive in batches after the demo's process has exited; the last replica's spans last.
        Dictionary<string, (string Root, HashSet<string> Services)> stores = [];
        await Poll.UntilAsync(
            async () =>
            {
                var traces = await dashboard.GetFromJsonAsync<JsonElement>("/api/telemetry/traces?resource=demo&limit=500", Ct);
                stores = StoreTraces(traces);
                return stores.Count >= 21 && stores.Values.All(t => t.Services.Count == 4);
            },
            "the dashboard holds a trace through demo, node1, node2 and node3 for each of the 21 stores",
            TimeSpan.FromSeconds(60));

        Assert.True(stores.Count >= 20);
        foreach (var (_, trace) in stores)
        {
            Assert.Equal(["demo", "node1", "node2", "node3"], trace.Services.Order(StringComparer.Ordinal));
        }

        // Status polls are not what a person watches: the cluster health check keeps reading every
        // node's /v1/cluster (every few seconds while starting, every 30 s once healthy) and the
        // Cluster status command reads it on demand; none of them may start a trace of its own.
        foreach (var node in new[] { "node1", "node2", "node3" })
        {
            var status = await app.ResourceCommands.ExecuteCommandAsync(node, NodeCommands.ClusterStatus, Ct);
            Assert.True(status.Success, $"Cluster status of {node}: {status.Message}");
        }

        // Long enough for several of the health check's polls (every few seconds until every node is
        // healthy, then every 30 s): before the fix they started a trace every 8 s on average (15 in two minutes).
        await Task.Delay(TimeSpan.FromSeconds(20), Ct);
        var roots = RootNames(await dashboard.GetFromJsonAsync<JsonElement>("/api/telemetry/traces?limit=10000", Ct));
        // A bare "GET" root is an HTTP call made outside any operation (the demo's reachability probes were).
        var polls = roots.Where(r => r.Key.Contains("/v1/cluster", StringComparison.Ordinal) || r.Key.Contains("/health", StringComparison.Ordinal) || r.Key.Contains("/alive", StringComparison.Ordinal) || r.Key is "GET" or "HEAD").ToList();
        Assert.True(polls.Count == 0, $"No trace may start at a status poll; traces by root: {string.Join(", ", roots.Select(r => $"{r.Key} x{r.Value}"))}");
        Assert.True(roots.GetValueOrDefault("StoreFile") >= 21, $"The demo's stores are still there: {string.Join(", ", roots.Select(r => $"{r.Key} x{r.Value}"))}");
    }

    /// <summary>How many traces start at each root span name ("service: name").</summary>
    private static Dictionary<string, int> RootNames(JsonElement answer)
    {
        var roots = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var resourceSpans in answer.GetProperty("data").GetProperty("resourceSpans").EnumerateArray())
        {
            foreach (var span in resourceSpans.GetProperty("scopeSpans").EnumerateArray().SelectMany(s => s.GetProperty("spans").EnumerateArray()))
            {
                if (!span.TryGetProperty("parentSpanId", out var parent) || string.IsNullOrEmpty(parent.GetString()))
                {
                    var name = span.GetProperty("name").GetString()!;
                    roots[name] = roots.GetValueOrDefault(name) + 1;
                }
            }
        }

        return roots;
    }

    /// <summary>Groups the spans of every trace whose root is the demo's StoreFile span, with the services each crossed.</summary>
    private static Dictionary<string, (string Root, HashSet<string> Services)> StoreTraces(JsonElement answer)
    {
        var traces = new Dictionary<string, (string Root, HashSet<string> Services)>(StringComparer.Ordinal);
        foreach (var resourceSpans in answer.GetProperty("data").GetProperty("resourceSpans").EnumerateArray())
        {
            var service = resourceSpans.GetProperty("resource").GetProperty("attributes").EnumerateArray()
                .Single(a => a.GetProperty("key").GetString() == "service.name").GetProperty("value").GetProperty("stringValue").GetString()!;
            foreach (var span in resourceSpans.GetProperty("scopeSpans").EnumerateArray().SelectMany(s => s.GetProperty("spans").EnumerateArray()))
            {
                var traceId = span.GetProperty("traceId").GetString()!;
                var trace = traces.TryGetValue(traceId, out var known) ? known : (Root: string.Empty, Services: new HashSet<string>(StringComparer.Ordinal));
                if (!span.TryGetProperty("parentSpanId", out var parent) || string.IsNullOrEmpty(parent.GetString()))
                {
                    trace.Root = span.GetProperty("name").GetString()!;
                }

                trace.Services.Add(service);
                traces[traceId] = trace;
            }
        }

        return traces.Where(t => t.Value.Root == "StoreFile").ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal);
    }
}
