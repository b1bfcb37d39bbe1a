using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Dashboard.Api;
using Aspire.Hosting.Dashboard.Otlp;
using Aspire.Hosting.Dashboard.Telemetry;
using Aspire.Hosting.Orchestration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Aspire.Hosting.Dashboard;

/// <summary>
/// The AppHost's dashboard, running inside the AppHost process: a UI on one port, OTLP/gRPC
/// (HTTP/2 cleartext) and OTLP/HTTP on two more, all on localhost. It reads resources, console
/// output and commands straight from the orchestrator and telemetry from its own store.
/// </summary>
public sealed class DashboardHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private DashboardHost(WebApplication app, DashboardOptions options, TelemetryStore telemetry)
    {
        _app = app;
        Options = options;
        Telemetry = telemetry;
    }

    public DashboardOptions Options { get; }

    public TelemetryStore Telemetry { get; }

    public Uri BaseUrl => new($"http://localhost:{Options.UiPort}");

    public Uri LoginUrl => new($"http://localhost:{Options.UiPort}/login?t={Options.BrowserToken}");

    public string OtlpGrpcEndpoint => $"http://localhost:{Options.OtlpGrpcPort}";

    public string OtlpHttpEndpoint => $"http://localhost:{Options.OtlpHttpPort}";

    internal static async Task<DashboardHost> StartAsync(DashboardOptions requested, ResourceNotificationService resources, ResourceLoggerService logs, ResourceCommandService commands, CancellationToken cancellationToken)
    {
        var free = PortAllocator.Allocate(3);
        var options = requested with
        {
            UiPort = requested.UiPort == 0 ? free[0] : requested.UiPort,
            OtlpGrpcPort = requested.OtlpGrpcPort == 0 ? free[1] : requested.OtlpGrpcPort,
            OtlpHttpPort = requested.OtlpHttpPort == 0 ? free[2] : requested.OtlpHttpPort,
        };

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "PeerVault.Dashboard", ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.ListenLocalhost(options.UiPort, listen => listen.Protocols = HttpProtocols.Http1AndHttp2);
            kestrel.ListenLocalhost(options.OtlpGrpcPort, listen => listen.Protocols = HttpProtocols.Http2);
            kestrel.ListenLocalhost(options.OtlpHttpPort, listen => listen.Protocols = HttpProtocols.Http1AndHttp2);
            kestrel.Limits.MaxRequestBodySize = 64L << 20;
        });
        var telemetry = new TelemetryStore();
        var authentication = new DashboardAuthentication(options);
        builder.Services.AddGrpc(grpc => grpc.MaxReceiveMessageSize = 64 << 20);
        builder.Services.AddSingleton(telemetry);
        builder.Services.AddSingleton(resources);
        builder.Services.AddSingleton(logs);
        builder.Services.AddSingleton(commands);

        var app = builder.Build();
        var ui = $"*:{options.UiPort}";
        var otlpPorts = new[] { options.OtlpGrpcPort, options.OtlpHttpPort };
        app.Use(async (context, next) =>
        {
            if (otlpPorts.Contains(context.Connection.LocalPort))
            {
                if (!authentication.IsValidOtlpSender(context))
                {
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    return;
                }
            }
            else if (context.Request.Path != "/login" && !authentication.IsAuthenticated(context))
            {
                if (context.Request.Path.StartsWithSegments("/api"))
                {
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                }
                else
                {
                    context.Response.Redirect("/login");
                }

                return;
            }

            await next(context);
        });

        app.MapGet("/login", (HttpContext context, string? t) =>
        {
            if (t is null)
            {
                return Results.Content(StaticAssets.LoginPage(null), "text/html; charset=utf-8");
            }

            if (!authentication.IsValidToken(t))
            {
                return Results.Content(StaticAssets.LoginPage("That token is not valid. Use the login link the AppHost printed at start."), "text/html; charset=utf-8", statusCode: StatusCodes.Status401Unauthorized);
            }

            context.Response.Cookies.Append(DashboardAuthentication.CookieName, authentication.NewSession(), new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, IsEssential = true });
            return Results.Redirect("/");
        }).RequireHost(ui);
        app.MapStaticAssets(ui);
        app.MapDashboardApi(ui);
        app.MapGrpcService<OtlpTraceService>().RequireHost($"*:{options.OtlpGrpcPort}");
        app.MapGrpcService<OtlpLogsService>().RequireHost($"*:{options.OtlpGrpcPort}");
        app.MapGrpcService<OtlpMetricsService>().RequireHost($"*:{options.OtlpGrpcPort}");
        app.MapOtlpHttp($"*:{options.OtlpHttpPort}");

        await app.StartAsync(cancellationToken);
        return new DashboardHost(app, options, telemetry);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}
