using Aspire.Hosting.Dashboard.Telemetry;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using OpenTelemetry.Proto.Collector.Logs.V1;
using OpenTelemetry.Proto.Collector.Metrics.V1;
using OpenTelemetry.Proto.Collector.Trace.V1;

namespace Aspire.Hosting.Dashboard.Otlp;

/// <summary>OTLP/HTTP with protobuf bodies: <c>POST /v1/traces</c>, <c>/v1/logs</c>, <c>/v1/metrics</c>.</summary>
internal static class OtlpHttpEndpoints
{
    private const string Protobuf = "application/x-protobuf";
    private const long MaxBodyBytes = 32L << 20;

    public static void MapOtlpHttp(this IEndpointRouteBuilder app, string host)
    {
        app.MapPost("/v1/traces", (HttpContext context, TelemetryStore store) => ExportAsync(context, ExportTraceServiceRequest.Parser, r => store.Add(r.ResourceSpans), new ExportTraceServiceResponse())).RequireHost(host);
        app.MapPost("/v1/logs", (HttpContext context, TelemetryStore store) => ExportAsync(context, ExportLogsServiceRequest.Parser, r => store.Add(r.ResourceLogs), new ExportLogsServiceResponse())).RequireHost(host);
        app.MapPost("/v1/metrics", (HttpContext context, TelemetryStore store) => ExportAsync(context, ExportMetricsServiceRequest.Parser, r => store.Add(r.ResourceMetrics), new ExportMetricsServiceResponse())).RequireHost(host);
    }

    private static async Task<IResult> ExportAsync<TRequest>(HttpContext context, MessageParser<TRequest> parser, Action<TRequest> store, IMessage response)
        where TRequest : IMessage<TRequest>
    {
        if (!string.Equals(context.Request.ContentType?.Split(';')[0].Trim(), Protobuf, StringComparison.OrdinalIgnoreCase))
        {
            return Results.Problem($"OTLP/HTTP bodies must be {Protobuf}.", statusCode: StatusCodes.Status415UnsupportedMediaType);
        }

        if (context.Request.ContentLength > MaxBodyBytes)
        {
            return Results.Problem($"OTLP batches are limited to {MaxBodyBytes} bytes.", statusCode: StatusCodes.Status413PayloadTooLarge);
        }

        TRequest request;
        try
        {
            // Bounded copy: a protobuf message has to be parsed whole.
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body, context.RequestAborted);
            request = parser.ParseFrom(body.GetBuffer().AsSpan(0, (int)body.Length));
        }
        catch (InvalidProtocolBufferException ex)
        {
            return Results.Problem($"Not a valid OTLP message: {ex.Message}", statusCode: StatusCodes.Status400BadRequest);
        }

        store(request);
        return Results.Bytes(response.ToByteArray(), Protobuf);
    }
}
