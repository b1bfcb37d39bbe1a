using System.Text.Json;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Dashboard.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Aspire.Hosting.Dashboard.Api;

/// <summary>
/// The JSON the UI is drawn from, also for scripts and tests: resources (environment already
/// masked), console logs, structured logs, traces, metrics, commands, and a stream of version
/// numbers that tells the UI when to refresh.
/// </summary>
internal static class DashboardApi
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };

    public static void MapDashboardApi(this IEndpointRouteBuilder app, string host)
    {
        var api = app.MapGroup("/api").RequireHost(host);

        api.MapGet("/resources", (ResourceNotificationService resources) => Results.Json(resources.Current, Json));

        api.MapPost("/resources/{name}/commands/{command}", async (string name, string command, ResourceCommandService commands, CancellationToken cancellationToken) =>
        {
            var result = await commands.ExecuteCommandAsync(name, command, cancellationToken);
            return result.Success ? Results.Json(result, Json) : Results.Json(result, Json, statusCode: StatusCodes.Status409Conflict);
        });

        api.MapGet("/resources/{name}/console", (string name, int? after, ResourceLoggerService logs) =>
            Results.Json(new { lines = logs.GetLines(name).Where(l => l.LineNumber > (after ?? 0)) }, Json));

        api.MapGet("/traces", (string? service, string? q, TelemetryStore store) => Results.Json(store.Traces(service, q), Json));

        api.MapGet("/traces/{traceId}", (string traceId, TelemetryStore store) =>
        {
            var spans = store.Trace(traceId.ToLowerInvariant());
            return spans.Count == 0 ? Results.NotFound() : Results.Json(new { traceId, spans }, Json);
        });

        api.MapGet("/logs", (string? service, int? severity, string? q, int? limit, TelemetryStore store) => Results.Json(store.Logs(service, severity, q, Math.Clamp(limit ?? 1000, 1, 100_000)), Json));

        api.MapGet("/metrics", (string service, TelemetryStore store) => Results.Json(store.Instruments(service), Json));

        api.MapGet("/metrics/{service}/{name}", (string service, string name, TelemetryStore store) =>
        {
            var (info, points) = store.Series(service, name);
            return info is null ? Results.NotFound() : Results.Json(new { info, points }, Json);
        });

        api.MapGet("/services", (TelemetryStore store) => Results.Json(store.Services, Json));

        api.MapGet("/telemetry/stats", (TelemetryStore store) => Results.Json(store.Stats(), Json));

        // Server-sent events: one message whenever resources, console output or telemetry changed.
        api.MapGet("/events", async (HttpContext context, ResourceNotificationService resources, ResourceLoggerService logs, TelemetryStore store) =>
        {
            context.Response.Headers.ContentType = "text/event-stream";
            context.Response.Headers.CacheControl = "no-cache";
            (long, long, long) last = (-1, -1, -1);
            while (!context.RequestAborted.IsCancellationRequested)
            {
                var now = (resources.Version, logs.Version, store.Version);
                if (now != last)
                {
                    last = now;
                    await context.Response.WriteAsync($"data: {{\"resources\":{now.Item1},\"console\":{now.Item2},\"telemetry\":{now.Item3}}}\n\n", context.RequestAborted);
                    await context.Response.Body.FlushAsync(context.RequestAborted);
                }

                await Task.Delay(250, context.RequestAborted).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        });
    }
}
