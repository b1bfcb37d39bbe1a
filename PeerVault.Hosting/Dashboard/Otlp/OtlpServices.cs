using Aspire.Hosting.Dashboard.Telemetry;
using Grpc.Core;
using OpenTelemetry.Proto.Collector.Logs.V1;
using OpenTelemetry.Proto.Collector.Metrics.V1;
using OpenTelemetry.Proto.Collector.Trace.V1;

namespace Aspire.Hosting.Dashboard.Otlp;

/// <summary>OTLP/gRPC: <c>opentelemetry.proto.collector.*.v1.*Service/Export</c>.</summary>
internal sealed class OtlpTraceService(TelemetryStore store) : TraceService.TraceServiceBase
{
    public override Task<ExportTraceServiceResponse> Export(ExportTraceServiceRequest request, ServerCallContext context)
    {
        store.Add(request.ResourceSpans);
        return Task.FromResult(new ExportTraceServiceResponse());
    }
}

internal sealed class OtlpLogsService(TelemetryStore store) : LogsService.LogsServiceBase
{
    public override Task<ExportLogsServiceResponse> Export(ExportLogsServiceRequest request, ServerCallContext context)
    {
        store.Add(request.ResourceLogs);
        return Task.FromResult(new ExportLogsServiceResponse());
    }
}

internal sealed class OtlpMetricsService(TelemetryStore store) : MetricsService.MetricsServiceBase
{
    public override Task<ExportMetricsServiceResponse> Export(ExportMetricsServiceRequest request, ServerCallContext context)
    {
        store.Add(request.ResourceMetrics);
        return Task.FromResult(new ExportMetricsServiceResponse());
    }
}
