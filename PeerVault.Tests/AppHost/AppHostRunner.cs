using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.AppHost;

/// <summary>
/// Starts the real AppHost (PeerVault.AppHost's AppHost.cs) through Aspire.Hosting.Testing: Aspire's
/// orchestrator runs every node and the demo as real processes, on random ports, with their data
/// and the AppHost's user secrets in places of the test's own (<see cref="AppHostScope"/>).
/// </summary>
public static class AppHostRunner
{
    public static readonly string[] Nodes = ["node1", "node2", "node3"];

    /// <summary>Everything each running app logged, resource output included (the testing builder forwards it to the AppHost's loggers).</summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<DistributedApplication, CapturedLogs> Logs = [];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static Task<DistributedApplication> StartAsync(AppHostScope scope, bool dashboard = false, params string[] arguments)
        => StartCoreAsync(scope, dashboard, configure: null, arguments);

    /// <summary>
    /// Starts the AppHost after <paramref name="configure"/> has changed its model (the AppHost's
    /// own code has run by then): add resources, override environment variables, and so on.
    /// </summary>
    public static Task<DistributedApplication> StartAsync(AppHostScope scope, Action<IDistributedApplicationTestingBuilder> configure, params string[] arguments)
        => StartCoreAsync(scope, dashboard: false, configure, arguments);

    private static async Task<DistributedApplication> StartCoreAsync(AppHostScope scope, bool dashboard, Action<IDistributedApplicationTestingBuilder>? configure, string[] arguments)
    {
        string[] args = [.. scope.Arguments, .. arguments];
        if (dashboard)
        {
            // The launch profile's fixed ports would collide with a developer's running AppHost.
            args = [.. args, $"--ASPNETCORE_URLS=http://localhost:{FreePort.Next()}", $"--ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL=http://localhost:{FreePort.Next()}", $"--ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL=http://localhost:{FreePort.Next()}"];
        }

        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.PeerVault_AppHost>(
            args,
            (options, _) => options.DisableDashboard = !dashboard,
            Ct);
        var logs = new CapturedLogs("apphost");
        builder.Services.AddLogging(logging => logging.AddProvider(logs).SetMinimumLevel(LogLevel.Information));
        configure?.Invoke(builder);
        var app = await builder.BuildAsync(Ct);
        Logs.Add(app, logs);
        await app.StartAsync(Ct);
        return app;
    }

    /// <summary>The admin API key the AppHost generated (its <c>api-key</c> parameter), which every node accepts.</summary>
    public static async Task<string> ApiKeyAsync(this DistributedApplication app)
    {
        var model = app.Services.GetRequiredService<DistributedApplicationModel>();
        var parameter = model.Resources.OfType<ParameterResource>().Single(p => p.Name == "api-key");
        return await parameter.GetValueAsync(Ct) ?? throw new InvalidOperationException("The api-key parameter has no value.");
    }

    /// <summary>A client of a node's HTTP API carrying the admin API key, as the demo and the AppHost itself call it.</summary>
    public static async Task<HttpClient> CreateNodeClientAsync(this DistributedApplication app, string node)
    {
        var http = app.CreateHttpClient(node, "http");
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", await app.ApiKeyAsync());
        return http;
    }

    /// <summary>Waits until every node is running and healthy, which includes being connected to all its peers.</summary>
    public static async Task WaitForNodesAsync(DistributedApplication app, IEnumerable<string>? nodes = null)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(120));
        foreach (var node in nodes ?? Nodes)
        {
            await app.ResourceNotifications.WaitForResourceHealthyAsync(node, timeout.Token);
        }
    }

    /// <summary>Waits for a run-to-completion resource (the demo) to end; returns its last snapshot.</summary>
    public static async Task<CustomResourceSnapshot> WaitForEndAsync(DistributedApplication app, string resource, TimeSpan timeout)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(timeout);
        var ended = await app.ResourceNotifications.WaitForResourceAsync(
            resource,
            e => e.Snapshot.State?.Text is { } state && KnownResourceStates.TerminalStates.Contains(state) && (e.Snapshot.ExitCode is not null || state == KnownResourceStates.FailedToStart),
            deadline.Token);
        return ended.Snapshot;
    }

    /// <summary>
    /// Every line the resource has written (stdout and stderr, as the dashboard's console view shows
    /// them, without their timestamps), once <paramref name="complete"/> holds for them.
    /// </summary>
    public static async Task<IReadOnlyList<string>> OutputAsync(DistributedApplication app, string resource, Func<IReadOnlyList<string>, bool> complete)
    {
        Assert.True(Logs.TryGetValue(app, out var logs), "the app was started by AppHostRunner");
        var category = $".Resources.{resource}: ";
        List<string> lines = [];
        await Poll.UntilAsync(
            () =>
            {
                // "<level> <AppHost>.Resources.<resource>: <line number>: <timestamp> <text>"
                lines = [.. logs.Lines
                    .Select(l => l.IndexOf(category, StringComparison.Ordinal) is var at and >= 0 ? l[(at + category.Length)..] : null)
                    .OfType<string>()
                    .Select(l => l.Split(' ', 3) is [_, _, var text] ? text : l)];
                return complete(lines);
            },
            $"{resource}'s output is complete");
        return lines;
    }

    /// <summary>The value of a resource property the orchestrator reports (e.g. <c>executable.pid</c>).</summary>
    public static object? Property(DistributedApplication app, string resource, string name)
        => app.ResourceNotifications.TryGetCurrentState(resource, out var state)
            ? state.Snapshot.Properties.FirstOrDefault(p => p.Name == name)?.Value
            : null;
}
