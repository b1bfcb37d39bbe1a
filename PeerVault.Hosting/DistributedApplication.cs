using System.Runtime.InteropServices;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Dashboard;
using Aspire.Hosting.Orchestration;
using Aspire.Hosting.Publishing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Aspire.Hosting;

/// <summary>
/// A built application: <see cref="Run"/> starts every resource and keeps them running until
/// Ctrl+C or SIGTERM (or, with <c>--exit-after {resource}</c>, until that resource ends, whose exit
/// code becomes the AppHost's); in publish mode it writes the manifests instead.
/// </summary>
public sealed class DistributedApplication : IAsyncDisposable
{
    private readonly DistributedApplicationBuilder _builder;
    private readonly ServiceProvider _services;
    private Orchestrator? _orchestrator;
    private DashboardHost? _dashboard;

    internal DistributedApplication(DistributedApplicationBuilder builder)
    {
        _builder = builder;
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ResourceNotificationService>();
        builder.Services.AddSingleton<ResourceLoggerService>();
        builder.Services.AddSingleton<ResourceCommandService>();
        builder.Services.AddSingleton(builder.ExecutionContext);
        _services = builder.Services.BuildServiceProvider();
    }

    public static IDistributedApplicationBuilder CreateBuilder(string[] args) => new DistributedApplicationBuilder(new DistributedApplicationOptions { Args = args });

    public static IDistributedApplicationBuilder CreateBuilder(DistributedApplicationOptions options) => new DistributedApplicationBuilder(options);

    public IServiceProvider Services => _services;

    public ResourceNotificationService ResourceNotifications => _services.GetRequiredService<ResourceNotificationService>();

    public ResourceCommandService ResourceCommands => _services.GetRequiredService<ResourceCommandService>();

    public ResourceLoggerService ResourceLogs => _services.GetRequiredService<ResourceLoggerService>();

    public IReadOnlyList<IResource> Resources => [.. _builder.Resources];

    /// <summary>The dashboard, while the application runs with one (null when disabled or not started).</summary>
    public DashboardHost? Dashboard => _dashboard;

    /// <summary>Starts the dashboard and every resource; returns once they have all been launched (not necessarily healthy).</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_builder.ExecutionContext.IsPublishMode)
        {
            throw new InvalidOperationException("A publishing AppHost writes manifests; it does not start resources.");
        }

        if (!_builder.Options.DisableDashboard && !string.Equals(_builder.Configuration["Dashboard:Enabled"], "false", StringComparison.OrdinalIgnoreCase))
        {
            _dashboard = await DashboardHost.StartAsync(DashboardOptions.From(_builder.Configuration, _builder.Options.IsTesting), ResourceNotifications, ResourceLogs, ResourceCommands, cancellationToken);
        }

        var options = new OrchestratorOptions
        {
            EnvironmentName = _builder.Environment.EnvironmentName,
            DataRoot = Path.GetFullPath(_builder.Configuration["AppHost:DataRoot"] ?? Path.Combine(_builder.AppHostDirectory, ".data")),
            WriteToConsole = !_builder.Options.IsTesting,
            OtlpEndpoint = _dashboard?.OtlpGrpcEndpoint,
            OtlpProtocol = "grpc",
            OtlpApiKey = _dashboard?.Options.OtlpApiKey,
        };
        _orchestrator = new Orchestrator(_builder.Resources.ToList(), options, ResourceNotifications, ResourceLogs, _services.GetRequiredService<ILoggerFactory>(), TimeProvider.System);
        ResourceCommands.Attach(_orchestrator);
        _orchestrator.Start();
    }

    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (_orchestrator is not null)
        {
            await _orchestrator.StopAsync().WaitAsync(cancellationToken);
        }

        if (_dashboard is not null)
        {
            await _dashboard.DisposeAsync();
            _dashboard = null;
        }
    }

    /// <summary>Runs until stopped; returns the process exit code.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken = default)
    {
        if (_builder.ExecutionContext.IsPublishMode)
        {
            return await ManifestPublishers.PublishAsync(_builder, cancellationToken);
        }

        using var shutdown = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true;
            shutdown.Cancel();
        }

        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);

        var started = DateTimeOffset.UtcNow;
        await StartAsync(shutdown.Token);
        var exitAfter = _builder.Configuration["exit-after"];
        foreach (var resource in _builder.Resources.OfType<ProjectResource>())
        {
            var endpoints = resource.Annotations.OfType<EndpointAnnotation>().Select(e => new EndpointReference(resource, e.Name).Url);
            Console.WriteLine($"  {resource.Name,-8} {string.Join("  ", endpoints)}");
        }

        if (_dashboard is not null)
        {
            Console.WriteLine($"Login to the dashboard at {_dashboard.LoginUrl}");
        }

        Console.WriteLine(exitAfter is null
            ? $"Started {_builder.Resources.OfType<ProjectResource>().Count()} resources; press Ctrl+C to stop them all."
            : $"Started {_builder.Resources.OfType<ProjectResource>().Count()} resources; stopping them all when '{exitAfter}' ends.");

        var exitCode = 0;
        try
        {
            if (exitAfter is null)
            {
                await Task.Delay(Timeout.Infinite, shutdown.Token);
            }
            else
            {
                var end = await ResourceNotifications.WaitForResourceAsync(exitAfter, s => KnownResourceStates.IsTerminal(s.State), shutdown.Token);
                exitCode = end.ExitCode ?? 1;
                var outcome = end.State == KnownResourceStates.FailedToStart ? "failed to start" : $"{end.State.ToLowerInvariant()} with exit code {exitCode}";
                Console.WriteLine($"'{exitAfter}' {outcome}, {(DateTimeOffset.UtcNow - started).TotalSeconds:0.00} s after the AppHost started its resources; exiting with {exitCode}.");
                if (_dashboard is not null)
                {
                    // The nodes export every second; give their last batch the time to arrive.
                    await Task.Delay(TimeSpan.FromSeconds(1.5), CancellationToken.None);
                    var stats = _dashboard.Telemetry.Stats();
                    Console.WriteLine($"The dashboard held {stats.Spans} spans, {stats.Logs} log records and {stats.MetricPoints} metric points (dropped {stats.DroppedSpans}/{stats.DroppedLogs}/{stats.DroppedMetricPoints}).");
                }
            }
        }
        catch (OperationCanceledException)
        {
            exitCode = exitAfter is null ? 0 : 130;
        }

        Console.WriteLine("Stopping every resource…");
        await StopAsync(CancellationToken.None);
        return exitCode;
    }

    /// <summary>Runs the application; the exit code goes to <see cref="Environment.ExitCode"/>.</summary>
    public void Run() => Environment.ExitCode = RunAsync().GetAwaiter().GetResult();

    public Uri GetEndpoint(string resourceName, string? endpointName = null)
    {
        var resource = _builder.Resources.OfType<IResourceWithEndpoints>().SingleOrDefault(r => r.Name == resourceName)
            ?? throw new ArgumentException($"No resource named '{resourceName}' with endpoints.", nameof(resourceName));
        var endpoint = endpointName ?? resource.Annotations.OfType<EndpointAnnotation>().FirstOrDefault(e => e.Transport == "http")?.Name
            ?? throw new ArgumentException($"'{resourceName}' has no HTTP endpoint.", nameof(endpointName));
        return new Uri(new EndpointReference(resource, endpoint).Url);
    }

    public HttpClient CreateHttpClient(string resourceName, string? endpointName = null)
        => new() { BaseAddress = GetEndpoint(resourceName, endpointName) };

    public async ValueTask DisposeAsync()
    {
        if (_orchestrator is not null)
        {
            await _orchestrator.DisposeAsync();
        }

        if (_dashboard is not null)
        {
            await _dashboard.DisposeAsync();
        }

        await _services.DisposeAsync();
    }
}
