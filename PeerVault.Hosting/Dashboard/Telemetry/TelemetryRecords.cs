namespace Aspire.Hosting.Dashboard.Telemetry;

/// <summary>One span as the dashboard keeps it: ids as lower-case hex, times as UTC.</summary>
public sealed record SpanRecord(
    string TraceId,
    string SpanId,
    string? ParentSpanId,
    string Name,
    string Kind,
    string Service,
    string InstanceId,
    string Scope,
    DateTimeOffset Start,
    DateTimeOffset End,
    string Status,
    string? StatusMessage,
    IReadOnlyDictionary<string, string> Attributes)
{
    public double DurationMs => (End - Start).TotalMilliseconds;
}

/// <summary>One structured log record.</summary>
public sealed record LogEntry(
    long Id,
    DateTimeOffset Timestamp,
    string Level,
    int Severity,
    string Service,
    string Category,
    string Message,
    IReadOnlyDictionary<string, string> Attributes,
    string? TraceId,
    string? SpanId);

/// <summary>One recorded value of an instrument for one attribute set.</summary>
public sealed record MetricPoint(DateTimeOffset Time, double Value, string Attributes);

/// <summary>An instrument of one resource, and its recent points (oldest dropped past the cap).</summary>
public sealed record MetricSeriesInfo(string Service, string Name, string Description, string Unit, string Kind, int Points);

/// <summary>A trace as listed: its root, the services it crossed, its size and health.</summary>
public sealed record TraceSummary(string TraceId, string RootName, string RootService, DateTimeOffset Start, double DurationMs, int SpanCount, int ErrorCount, IReadOnlyList<string> Services);

/// <summary>How much the store holds, and how much it had to drop to stay within its caps.</summary>
public sealed record TelemetryStats(int Spans, int Logs, int MetricPoints, long DroppedSpans, long DroppedLogs, long DroppedMetricPoints);
