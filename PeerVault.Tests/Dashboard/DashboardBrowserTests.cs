using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Playwright;
using PeerVault.Tests.AppHost;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Dashboard;

/// <summary>The dashboard as a person uses it, in Chromium, against the real AppHost after a demo run.</summary>
[Collection(nameof(AppHostSerial))]
public sealed class DashboardBrowserTests(DashboardFixture fixture) : IClassFixture<DashboardFixture>
{
    private static readonly string[] Nodes = ["node1", "node2", "node3"];

    [Fact]
    public async Task Logging_in_with_the_token_works_and_a_wrong_token_is_refused()
    {
        var page = await fixture.LoggedInPageAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Resources" })).ToBeVisibleAsync();

        var stranger = await page.Context.Browser!.NewPageAsync();
        var response = await stranger.GotoAsync(new Uri(fixture.BaseUrl, "/login?t=not-the-token").ToString());
        Assert.Equal(401, response!.Status);
        await Assertions.Expect(stranger.GetByTestId("login-error")).ToBeVisibleAsync();
        await DashboardFixture.ScreenshotAsync(stranger, "login-refused");

        await stranger.GotoAsync(fixture.BaseUrl.ToString());
        Assert.EndsWith("/login", stranger.Url, StringComparison.Ordinal);
        using var anonymous = new HttpClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(new Uri(fixture.BaseUrl, "/api/resources"), TestContext.Current.CancellationToken)).StatusCode);
    }

    [Fact]
    public async Task Resources_shows_every_node_running_and_healthy_and_the_demo_finished_with_secrets_masked()
    {
        var page = await fixture.LoggedInPageAsync();
        foreach (var node in Nodes)
        {
            await Assertions.Expect(page.GetByTestId($"state-{node}")).ToHaveTextAsync("Running");
            await Assertions.Expect(page.GetByTestId($"health-{node}")).ToHaveTextAsync("Healthy");
        }

        await Assertions.Expect(page.GetByTestId("state-demo")).ToHaveTextAsync("Finished");
        await Assertions.Expect(page.GetByTestId("resource-row-node1").GetByRole(AriaRole.Link).First).ToHaveAttributeAsync("href", new System.Text.RegularExpressions.Regex("^http://localhost:\\d+$"));

        await page.GetByTestId("resource-row-node1").GetByRole(AriaRole.Button, new() { Name = "Environment" }).ClickAsync();
        var environment = page.GetByTestId("env-node1");
        await Assertions.Expect(environment).ToContainTextAsync("PEERVAULT_CLUSTER_KEY");
        var clusterKey = fixture.App.Resources.OfType<ParameterResource>().Single(p => p.Name == "cluster-key").Value;
        Assert.DoesNotContain(clusterKey, await page.ContentAsync(), StringComparison.Ordinal);
        await DashboardFixture.ScreenshotAsync(page, "resources");

        var narrow = await fixture.LoggedInPageAsync(390, 844);
        await Assertions.Expect(narrow.GetByTestId("state-node3")).ToHaveTextAsync("Running");
        await DashboardFixture.ScreenshotAsync(narrow, "resources-narrow");
    }

    [Fact]
    public async Task A_demo_store_trace_spans_demo_node3_and_both_replicas_in_one_waterfall()
    {
        var traceId = await FindStoreTraceAsync();
        var page = await fixture.LoggedInPageAsync();
        await page.GotoAsync(new Uri(fixture.BaseUrl, "/#/traces").ToString());
        await page.GetByTestId("trace-text").FillAsync(traceId);
        await Assertions.Expect(page.GetByTestId("trace-row")).ToHaveCountAsync(1);
        await DashboardFixture.ScreenshotAsync(page, "traces");

        await page.GetByTestId("trace-row").First.ClickAsync();
        var waterfall = page.GetByTestId("waterfall");
        await Assertions.Expect(waterfall).ToBeVisibleAsync();
        var services = await waterfall.GetByTestId("span-row").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.service)");
        Assert.Equal(["demo", "node1", "node2", "node3"], services.Distinct().Order());
        await Assertions.Expect(waterfall).ToContainTextAsync("ReceiveReplica");

        await waterfall.GetByTestId("span-row").Filter(new() { HasText = "ReceiveReplica" }).First.ClickAsync();
        await Assertions.Expect(page.GetByTestId("span-details")).ToContainTextAsync("peervault.object_id");
        await DashboardFixture.ScreenshotAsync(page, "trace-waterfall");
    }

    [Fact]
    public async Task Console_logs_show_a_nodes_output_and_structured_logs_and_metrics_draw()
    {
        var page = await fixture.LoggedInPageAsync();
        await page.GotoAsync(new Uri(fixture.BaseUrl, "/#/console/node2").ToString());
        await Assertions.Expect(page.GetByTestId("console-lines")).ToContainTextAsync("listening for peers on TCP port");
        await page.GetByTestId("console-filter").FillAsync("Connected to peer");
        await Assertions.Expect(page.GetByTestId("console-lines").Locator("div:visible").First).ToContainTextAsync("Connected to peer");
        await DashboardFixture.ScreenshotAsync(page, "console-logs");

        await page.GotoAsync(new Uri(fixture.BaseUrl, "/#/logs").ToString());
        await page.GetByTestId("log-service").SelectOptionAsync("node1");
        await Assertions.Expect(page.GetByTestId("log-row").First).ToContainTextAsync("node1");
        await DashboardFixture.ScreenshotAsync(page, "structured-logs");

        await page.GotoAsync(new Uri(fixture.BaseUrl, "/#/metrics/node3/peervault.bytes.stored").ToString());
        await Assertions.Expect(page.GetByTestId("metric-chart").Locator("polyline")).Not.ToHaveCountAsync(0);
        await DashboardFixture.ScreenshotAsync(page, "metrics");
    }

    [Fact]
    public async Task Stop_turns_node2_exited_and_start_brings_it_back_to_running()
    {
        var page = await fixture.LoggedInPageAsync();
        await Assertions.Expect(page.GetByTestId("state-node2")).ToHaveTextAsync("Running");

        await page.GetByTestId("stop-node2").ClickAsync();
        await Assertions.Expect(page.GetByTestId("state-node2")).ToHaveTextAsync("Exited", new() { Timeout = 30_000 });
        await DashboardFixture.ScreenshotAsync(page, "resources-node2-stopped");

        await page.GetByTestId("start-node2").ClickAsync();
        await Assertions.Expect(page.GetByTestId("state-node2")).ToHaveTextAsync("Running", new() { Timeout = 30_000 });
        await Assertions.Expect(page.GetByTestId("health-node2")).ToHaveTextAsync("Healthy", new() { Timeout = 30_000 });
    }

    [Fact]
    public async Task No_secret_appears_anywhere_in_the_telemetry_a_full_run_exported_to_the_dashboard()
    {
        await FindStoreTraceAsync();
        using var http = ApiClient();
        var ct = TestContext.Current.CancellationToken;
        var exported = new List<string>();
        foreach (var trace in JsonDocument.Parse(await http.GetStringAsync("/api/traces", ct)).RootElement.EnumerateArray())
        {
            exported.Add(await http.GetStringAsync($"/api/traces/{trace.GetProperty("traceId").GetString()}", ct));
        }

        exported.Add(await http.GetStringAsync("/api/logs?limit=100000", ct));
        var services = JsonDocument.Parse(await http.GetStringAsync("/api/services", ct)).RootElement.EnumerateArray().Select(s => s.GetString()!).ToList();
        Assert.Equal(["demo", "node1", "node2", "node3"], services.Where(s => s is "demo" or "node1" or "node2" or "node3").Order());
        foreach (var service in services)
        {
            foreach (var instrument in JsonDocument.Parse(await http.GetStringAsync($"/api/metrics?service={service}", ct)).RootElement.EnumerateArray())
            {
                exported.Add(await http.GetStringAsync($"/api/metrics/{service}/{instrument.GetProperty("name").GetString()}", ct));
            }
        }

        exported.Add(await http.GetStringAsync("/api/resources", ct));
        var secrets = fixture.App.Resources.OfType<ParameterResource>().Select(p => p.Value).Append(fixture.App.Dashboard!.Options.OtlpApiKey!).ToList();
        Assert.True(exported.Count > 50, "a full run exports many traces and series");
        Assert.Contains(exported, e => e.Contains("peervault.replication.duration", StringComparison.Ordinal));
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(exported, text => text.Contains(secret, StringComparison.Ordinal));
        }
    }

    private HttpClient ApiClient()
    {
        var http = new HttpClient { BaseAddress = fixture.BaseUrl };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", fixture.App.Dashboard!.Options.BrowserToken);
        return http;
    }

    /// <summary>Through the JSON API (same token): the newest StoreFile trace that already holds both replicas' spans.</summary>
    private async Task<string> FindStoreTraceAsync()
    {
        using var http = ApiClient();
        string? traceId = null;
        await Poll.UntilAsync(
            async () =>
            {
                var traces = JsonDocument.Parse(await http.GetStringAsync("/api/traces?service=demo", TestContext.Current.CancellationToken)).RootElement;
                var store = traces.EnumerateArray().FirstOrDefault(t => t.GetProperty("rootName").GetString() == "StoreFile" && t.GetProperty("services").GetArrayLength() == 4);
                traceId = store.ValueKind == JsonValueKind.Object ? store.GetProperty("traceId").GetString() : null;
                return traceId is not null;
            },
            "a StoreFile trace with spans from demo, node3, node1 and node2 reaches the dashboard");
        Assert.Matches("^[0-9a-f]{32}$", traceId);
        return traceId!;
    }
}
