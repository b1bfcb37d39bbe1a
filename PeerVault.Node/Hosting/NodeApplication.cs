using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using PeerVault.Node.Api;
using PeerVault.Node.Cluster;
using PeerVault.Node.Diagnostics;
using PeerVault.Node.Security;
using PeerVault.Node.Storage;

namespace PeerVault.Node.Hosting;

/// <summary>
/// Builds a node: one place that wires settings, storage, the P2P side and the HTTP API, used by
/// <c>Program</c> and by tests that run nodes in-process.
/// </summary>
public static partial class NodeApplication
{
    /// <summary>
    /// Creates the node's web application. Throws <see cref="NodeConfigurationException"/> when a
    /// setting is unusable; <paramref name="configure"/> lets tests add configuration first.
    /// </summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // Settings ship beside the assembly; the working directory is where the data goes by default.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        configure?.Invoke(builder);
        var time = TimeProvider.System;
        var settings = NodeSettings.Load(builder.Configuration, time);

        builder.AddServiceDefaults();
        builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddSource(NodeTracing.SourceName));
        builder.Services.ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddMeter(NodeMetrics.MeterName));
        if (string.IsNullOrEmpty(builder.Configuration["OTEL_SERVICE_NAME"]))
        {
            // Started by hand (no orchestrator naming it): the node's name is the service's name.
            builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.ConfigureResource(r => r.AddService(settings.Identity.Name)));
            builder.Services.ConfigureOpenTelemetryMeterProvider(metrics => metrics.ConfigureResource(r => r.AddService(settings.Identity.Name)));
            builder.Services.ConfigureOpenTelemetryLoggerProvider(logging => logging.ConfigureResource(r => r.AddService(settings.Identity.Name)));
        }
        builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Insert(0, ApiJsonContext.Default));
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = settings.MaxObjectBytes);

        var services = builder.Services;
        services.AddSingleton(time);
        services.AddSingleton(settings);
        services.AddSingleton<NodeMetrics>();
        services.AddSingleton<NodeTracing>();
        services.AddSingleton(settings.Identity);
        services.AddSingleton(settings.Keys);
        services.AddSingleton(sp => new Handshake(settings.Identity, settings.AuthToken, time, new ReplayCache(time, Handshake.MaxClockSkew)));
        services.AddSingleton(new BlobStore(settings.DataDirectory));
        services.AddSingleton(sp => new KeyIndex(Path.Combine(settings.DataDirectory, "index.log"), time, sp.GetRequiredService<ILogger<KeyIndex>>()));
        services.AddSingleton(sp => new ObjectCipher(settings.Keys));
        services.AddSingleton<ObjectStore>();
        services.AddSingleton<IPeerRequestHandler, PeerRequestHandler>();
        services.AddSingleton<PeerManager>();
        services.AddHostedService(sp => sp.GetRequiredService<PeerManager>());
        services.AddSingleton<Replicator>();
        services.AddHealthChecks().AddCheck<StorageHealthCheck>("storage");

        var app = builder.Build();
        var logger = app.Services.GetRequiredService<ILogger<NodeSettings>>();
        foreach (var warning in settings.Warnings)
        {
            LogSettingWarning(logger, warning);
        }

        var removed = app.Services.GetRequiredService<BlobStore>().RemoveTemporaryFiles();
        LogStarting(logger, settings.Identity.Name, settings.Identity.Id.ToString("N"), settings.DataDirectory, settings.Keys.Current.KeyId, removed);

        app.MapDefaultEndpoints();
        app.MapObjectEndpoints();
        app.MapClusterEndpoints();
        return app;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Warning}")]
    private static partial void LogSettingWarning(ILogger logger, string warning);

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {NodeName} ({NodeId}) using data directory {DataDirectory}, cluster key id {KeyId}; removed {TemporaryFiles} interrupted write(s)")]
    private static partial void LogStarting(ILogger logger, string nodeName, string nodeId, string dataDirectory, string keyId, int temporaryFiles);
}
