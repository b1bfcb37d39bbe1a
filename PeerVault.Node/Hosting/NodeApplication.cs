using Microsoft.Extensions.Logging.Console;
using OpenTelemetry.Instrumentation.AspNetCore;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using PeerVault.Node.Api;
using PeerVault.Node.Api.S3;
using PeerVault.Node.Cluster;
using PeerVault.Node.Cluster.Membership;
using PeerVault.Node.Cluster.Placement;
using PeerVault.Node.Cluster.Repair;
using PeerVault.Node.Cluster.Versions;
using PeerVault.Node.Diagnostics;
using PeerVault.Node.Net;
using PeerVault.Node.Security;
using PeerVault.Node.Storage;

namespace PeerVault.Node.Hosting;

/// <summary>
/// Builds a node: the one composition root that wires settings, storage, the peer network, the
/// cluster and the HTTP API, used by <c>Program</c> and by tests that run nodes in-process.
/// </summary>
public static partial class NodeApplication
{
    /// <summary>
    /// Creates the node's web application. Throws <see cref="NodeConfigurationException"/> when a
    /// setting is unusable; <paramref name="configure"/> lets tests add configuration first, and
    /// <paramref name="time"/> gives the node another wall clock than the system's (tests of clock
    /// skew run nodes whose clocks disagree in one process).
    /// </summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null, TimeProvider? time = null)
    {
        // Settings ship beside the assembly; the working directory is where the data goes by default.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        configure?.Invoke(builder);
        time ??= TimeProvider.System;
        builder.Configuration.AddApiKeysFile(builder.Configuration[NodeSettings.ApiKeysFileVariable]);
        var settings = NodeSettings.Load(builder.Configuration, time, builder.Environment.IsDevelopment());

        // One process per data directory, before anything reads or writes it; released when the
        // application (or the process) ends.
        var directoryLock = DataDirectoryLock.Acquire(settings.DataDirectory);
        // Registered through a factory: the container disposes what it creates, not instances it is handed.
        builder.Services.AddSingleton(_ => directoryLock);

        try
        {
            return Compose(builder, settings, time);
        }
        catch
        {
            directoryLock.Dispose();
            throw;
        }
    }

    /// <summary>Wires every service once the node holds its data directory.</summary>
    private static WebApplication Compose(WebApplicationBuilder builder, NodeSettings settings, TimeProvider time)
    {
        // Before anything opens the data: a node away longer than tombstones are kept rejoins empty.
        var life = NodeLife.Begin(settings.DataDirectory, time.GetUtcNow());
        var movedAside = StaleData.MoveAsideIfAwaySince(settings.DataDirectory, life.LastAliveBefore, time.GetUtcNow() - settings.Cluster.TombstoneGrace, time.GetUtcNow());

        builder.AddServiceDefaults();
        QuietConsole(builder.Logging);
        builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddSource(NodeTracing.SourceName));
        builder.Services.Configure<AspNetCoreTraceInstrumentationOptions>(StatusPollTracing.LeaveOutUntracedPolls);
        builder.Services.ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddMeter(NodeMetrics.MeterName));
        if (string.IsNullOrEmpty(builder.Configuration["OTEL_SERVICE_NAME"]))
        {
            // Started by hand (no orchestrator naming it): the node's name is the service's name.
            builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.ConfigureResource(r => r.AddService(settings.Identity.Name)));
            builder.Services.ConfigureOpenTelemetryMeterProvider(metrics => metrics.ConfigureResource(r => r.AddService(settings.Identity.Name)));
            builder.Services.ConfigureOpenTelemetryLoggerProvider(logging => logging.ConfigureResource(r => r.AddService(settings.Identity.Name)));
        }

        builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Insert(0, PeerVaultJsonContext.Default));
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<ProblemExceptionHandler>();
        builder.Services.AddApiKeyAuthentication(builder.Configuration);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = settings.Api.MaxObjectBytes);

        var services = builder.Services;
        services.AddSingleton(time);
        services.AddSingleton(settings);
        services.AddSingleton(settings.Net);
        services.AddSingleton(settings.Cluster);
        services.AddSingleton(settings.Membership);
        services.AddSingleton(settings.Api);
        services.AddSingleton(life);
        services.AddSingleton<NodeMetrics>();
        services.AddSingleton<RefusalLog>();
        services.AddSingleton<NodeTracing>();
        services.AddSingleton(settings.Identity);
        services.AddSingleton(settings.Keys);
        services.AddSingleton(settings.Keys.Ids);

        // Storage.
        services.AddSingleton(new BlobStore(settings.DataDirectory));
        services.AddSingleton(sp => new KeyIndex(Path.Combine(settings.DataDirectory, KeyIndex.FileName), sp.GetRequiredService<ILogger<KeyIndex>>()));
        services.AddSingleton(new ObjectCipher(settings.Keys));
        services.AddSingleton<ObjectStore>();
        services.AddSingleton(settings.Storage);
        services.AddSingleton<StorageHealth>();
        services.AddHostedService<StorageWatch>();

        // The peer network.
        services.AddSingleton(sp => new Handshake(settings.Identity, settings.Keys.Ids, settings.AuthToken, time, new ReplayCache(time, Handshake.MaxClockSkew)));
        services.AddSingleton<PeerConnections>();
        services.AddHostedService(sp => sp.GetRequiredService<PeerConnections>());
        services.AddSingleton<PeerClocks>();
        services.AddHostedService(sp => sp.GetRequiredService<PeerClocks>());

        // The cluster.
        services.AddSingleton(sp => new HybridClock(time, settings.Identity.Id, settings.Cluster.MaxClockSkew));
        var memberFile = new MemberFile(settings.DataDirectory);
        services.AddSingleton(memberFile);
        services.AddSingleton<ClusterReadiness>();
        services.AddSingleton(sp =>
        {
            var table = new MemberTable(
                new Member(settings.Identity.Id, settings.Identity.Name, null, 0, life.Incarnation, life.JoinedAt, MemberState.Alive, time.GetUtcNow(), null, IsSelf: true),
                time);

            // Every member the last run knew, unreachable until dialed: placement spans the whole cluster from the start.
            foreach (var known in memberFile.Load(settings.Identity.Id))
            {
                table.Merge(known, observedHost: null);
            }

            return table;
        });
        services.AddSingleton<PlacementMap>();
        services.AddSingleton<MembershipService>();
        services.AddHostedService(sp => sp.GetRequiredService<MembershipService>());
        services.AddSingleton<ReplicaClient>();
        services.AddSingleton<ReplicationStatus>();
        services.AddSingleton<RepairThrottle>();
        services.AddSingleton<ObjectCoordinator>();
        services.AddSingleton<ClusterListing>();
        services.AddSingleton<PeerRequestHandler>();
        services.AddSingleton<AntiEntropy>();
        services.AddHostedService(sp => sp.GetRequiredService<AntiEntropy>());
        services.AddSingleton<LocalRepair>();
        services.AddSingleton<ScrubThrottle>();
        services.AddSingleton<Scrubber>();
        services.AddHostedService(sp => sp.GetRequiredService<Scrubber>());
        services.AddSingleton<Maintenance>();
        services.AddHostedService(sp => sp.GetRequiredService<Maintenance>());
        services.AddHealthChecks().AddCheck<StorageHealthCheck>("storage").AddCheck<ClusterReadinessCheck>("cluster").AddCheck<ClockHealthCheck>("clock");

        // The S3 endpoint (S3_PORT): a translation layer over the same coordinator.
        builder.AddS3(settings.S3);

        var app = builder.Build();
        // Resolved now so the container owns the lock and releases it when the application is disposed.
        app.Services.GetRequiredService<DataDirectoryLock>();
        var logger = app.Services.GetRequiredService<ILogger<NodeSettings>>();
        foreach (var warning in settings.Warnings)
        {
            LogSettingWarning(logger, warning);
        }

        if (movedAside is not null)
        {
            LogMovedAside(logger, life.LastAliveBefore, settings.Cluster.TombstoneGrace.TotalHours, movedAside);
        }

        // Wire the cycle the container cannot: connections serve requests the cluster handles.
        app.Services.GetRequiredService<PeerConnections>().UseHandler(app.Services.GetRequiredService<PeerRequestHandler>());
        var store = app.Services.GetRequiredService<ObjectStore>();
        var clock = app.Services.GetRequiredService<HybridClock>();
        if (clock.IsAcceptable(store.Index.MaxVersion))
        {
            // A restarted node's writes must be newer than its own earlier ones, whatever its clock says.
            clock.Observe(store.Index.MaxVersion);
        }

        // Nothing is in flight yet: every unreferenced blob is what an interrupted write left.
        var removed = store.Blobs.RemoveTemporaryFiles() + store.SweepUnreferencedBlobs(DateTimeOffset.MaxValue);
        LogStarting(logger, settings.Identity.Name, settings.Identity.Id.ToString("N"), settings.DataDirectory, settings.Keys.Current.KeyId, life.Incarnation, removed);
        app.Lifetime.ApplicationStarted.Register(() => LogServingUrls(logger, settings.Identity.Name, app.Urls, settings.S3.Port));

        // S3 requests (their own port) authenticate with SigV4 and answer S3's XML errors.
        app.MapS3(settings.S3);
        app.UseExceptionHandler();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapDefaultEndpoints();
        app.MapObjectEndpoints();
        app.MapClusterEndpoints();
        return app;
    }

    /// <summary>
    /// What an operator reads on the console: the node's own lines, and the framework's only when
    /// they are warnings. Set for the console provider alone, in code (an orchestrator's
    /// <c>LOGGING__CONSOLE__*</c> variables replace the appsettings' Console section), so every
    /// line still reaches OTLP. The host's own start-up failure is printed as one line by Program.
    /// </summary>
    private static void QuietConsole(ILoggingBuilder logging)
    {
        logging.AddFilter<ConsoleLoggerProvider>("Microsoft", LogLevel.Warning);
        logging.AddFilter<ConsoleLoggerProvider>("System.Net.Http", LogLevel.Warning);
        logging.AddFilter<ConsoleLoggerProvider>("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
    }

    /// <summary>Which address is the API and which is S3, as a reader of the console needs to know.</summary>
    private static void LogServingUrls(ILogger logger, string nodeName, ICollection<string> urls, int? s3Port)
    {
        if (s3Port is not { } port)
        {
            LogServing(logger, nodeName, string.Join(", ", urls));
            return;
        }

        var s3 = urls.Where(u => S3Endpoint.PortOf(u) == port).ToList();
        LogServingWithS3(logger, nodeName, string.Join(", ", urls.Except(s3)), string.Join(", ", s3));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {NodeName} serving its HTTP API on {Urls}")]
    private static partial void LogServing(ILogger logger, string nodeName, string urls);

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {NodeName} serving its HTTP API on {Urls} and S3 on {S3Urls}")]
    private static partial void LogServingWithS3(ILogger logger, string nodeName, string urls, string s3Urls);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Warning}")]
    private static partial void LogSettingWarning(ILogger logger, string warning);

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {NodeName} ({NodeId}) using data directory {DataDirectory}, cluster key id {KeyId}, incarnation {Incarnation}; removed {Leftovers} leftover(s) of interrupted writes")]
    private static partial void LogStarting(ILogger logger, string nodeName, string nodeId, string dataDirectory, string keyId, long incarnation, int leftovers);

    [LoggerMessage(Level = LogLevel.Warning, Message = "This node was last alive at {LastAlive}, longer ago than tombstones are kept ({GraceHours} h): deletes made meanwhile may be forgotten by the cluster, so it rejoins empty. Its old data was moved to {Path}")]
    private static partial void LogMovedAside(ILogger logger, DateTimeOffset? lastAlive, double graceHours, string path);
}
