using System.Collections.Concurrent;
using System.Globalization;
using Google.Protobuf;
using Google.Protobuf.Collections;
using OpenTelemetry.Proto.Common.V1;
using OpenTelemetry.Proto.Logs.V1;
using OpenTelemetry.Proto.Metrics.V1;
using OpenTelemetry.Proto.Trace.V1;
using ProtoResource = OpenTelemetry.Proto.Resource.V1.Resource;

namespace Aspire.Hosting.Dashboard.Telemetry;

/// <summary>
/// Everything the dashboard received over OTLP, in memory. Each resource (service.name) has its
/// own caps for spans, log records and points per instrument; past a cap the oldest go first and
/// are counted as dropped, so one chatty resource cannot push out another's telemetry.
/// </summary>
public sealed class TelemetryStore(int maxSpansPerResource = 20_000, int maxLogsPerResource = 20_000, int maxPointsPerSeries = 2_000)
{
    private readonly ConcurrentDictionary<string, ResourceTelemetry> _resources = new(StringComparer.Ordinal);
    private long _version;
    private long _nextLogId;

    /// <summary>Increases whenever anything is added; the UI polls it to know when to refresh.</summary>
    public long Version => Interlocked.Read(ref _version);

    public IReadOnlyList<string> Services => [.. _resources.Keys.Order(StringComparer.Ordinal)];

    internal void Add(RepeatedField<ResourceSpans> batches)
    {
        foreach (var batch in batches)
        {
            var (service, instance) = Identify(batch.Resource);
            var spans = batch.ScopeSpans.SelectMany(scope => scope.Spans.Select(span => ToRecord(span, scope.Scope?.Name ?? string.Empty, service, instance))).ToList();
            For(service).AddSpans(spans, maxSpansPerResource);
        }

        Interlocked.Increment(ref _version);
    }

    internal void Add(RepeatedField<ResourceLogs> batches)
    {
        foreach (var batch in batches)
        {
            var (service, _) = Identify(batch.Resource);
            var records = batch.ScopeLogs.SelectMany(scope => scope.LogRecords.Select(log => ToEntry(log, scope.Scope?.Name ?? string.Empty, service))).ToList();
            For(service).AddLogs(records, maxLogsPerResource);
        }

        Interlocked.Increment(ref _version);
    }

    internal void Add(RepeatedField<ResourceMetrics> batches)
    {
        foreach (var batch in batches)
        {
            var (service, _) = Identify(batch.Resource);
            var telemetry = For(service);
            foreach (var metric in batch.ScopeMetrics.SelectMany(s => s.Metrics))
            {
                telemetry.AddPoints(service, metric, ToPoints(metric), maxPointsPerSeries);
            }
        }

        Interlocked.Increment(ref _version);
    }

    public IReadOnlyList<TraceSummary> Traces(string? service = null, string? text = null, int limit = 200)
    {
        bool Matches(SpanRecord span) => span.TraceId.Contains(text!, StringComparison.OrdinalIgnoreCase)
            || span.Name.Contains(text!, StringComparison.OrdinalIgnoreCase)
            || span.Attributes.Values.Any(v => v.Contains(text!, StringComparison.OrdinalIgnoreCase));

        return [.. AllSpans().GroupBy(s => s.TraceId)
            .Where(trace => string.IsNullOrEmpty(text) || trace.Any(Matches))
            .Select(Summarize)
            .Where(t => service is null || t.Services.Contains(service, StringComparer.Ordinal))
            .OrderByDescending(t => t.Start)
            .Take(limit)];
    }

    public IReadOnlyList<SpanRecord> Trace(string traceId)
        => [.. AllSpans().Where(s => s.TraceId == traceId).OrderBy(s => s.Start)];

    public IReadOnlyList<LogEntry> Logs(string? service = null, int? minimumSeverity = null, string? text = null, int limit = 1000)
        => [.. _resources.Where(r => service is null || r.Key == service)
            .SelectMany(r => r.Value.LogsSnapshot())
            .Where(l => minimumSeverity is null || l.Severity >= minimumSeverity)
            .Where(l => string.IsNullOrEmpty(text) || l.Message.Contains(text, StringComparison.OrdinalIgnoreCase) || l.Category.Contains(text, StringComparison.OrdinalIgnoreCase))
            .OrderByDescending(l => l.Timestamp)
            .ThenByDescending(l => l.Id)
            .Take(limit)];

    public IReadOnlyList<MetricSeriesInfo> Instruments(string service)
        => _resources.TryGetValue(service, out var telemetry) ? telemetry.Instruments() : [];

    public (MetricSeriesInfo? Info, IReadOnlyList<MetricPoint> Points) Series(string service, string name)
        => _resources.TryGetValue(service, out var telemetry) ? telemetry.Series(name) : (null, []);

    public TelemetryStats Stats()
    {
        var all = _resources.Values.ToList();
        return new TelemetryStats(
            all.Sum(r => r.SpanCount),
            all.Sum(r => r.LogCount),
            all.Sum(r => r.PointCount),
            all.Sum(r => r.DroppedSpans),
            all.Sum(r => r.DroppedLogs),
            all.Sum(r => r.DroppedPoints));
    }

    private IEnumerable<SpanRecord> AllSpans() => _resources.Values.SelectMany(r => r.SpansSnapshot());

    private ResourceTelemetry For(string service) => _resources.GetOrAdd(service, _ => new ResourceTelemetry());

    private static TraceSummary Summarize(IGrouping<string, SpanRecord> trace)
    {
        var spans = trace.ToList();
        var ids = spans.Select(s => s.SpanId).ToHashSet(StringComparer.Ordinal);
        var root = spans.Where(s => s.ParentSpanId is null || !ids.Contains(s.ParentSpanId)).MinBy(s => s.Start) ?? spans.MinBy(s => s.Start)!;
        var start = spans.Min(s => s.Start);
        var end = spans.Max(s => s.End);
        return new TraceSummary(
            trace.Key,
            root.Name,
            root.Service,
            start,
            (end - start).TotalMilliseconds,
            spans.Count,
            spans.Count(s => s.Status == "Error"),
            [.. spans.OrderBy(s => s.Start).Select(s => s.Service).Distinct(StringComparer.Ordinal)]);
    }

    private static (string Service, string Instance) Identify(ProtoResource? resource)
    {
        var attributes = resource?.Attributes ?? [];
        var service = attributes.FirstOrDefault(a => a.Key == "service.name")?.Value?.StringValue;
        var instance = attributes.FirstOrDefault(a => a.Key == "service.instance.id")?.Value?.StringValue;
        return (string.IsNullOrEmpty(service) ? "unknown_service" : service, instance ?? string.Empty);
    }

    private static SpanRecord ToRecord(Span span, string scope, string service, string instance) => new(
        Hex(span.TraceId),
        Hex(span.SpanId),
        span.ParentSpanId.IsEmpty ? null : Hex(span.ParentSpanId),
        span.Name,
        span.Kind switch
        {
            Span.Types.SpanKind.Server => "Server",
            Span.Types.SpanKind.Client => "Client",
            Span.Types.SpanKind.Producer => "Producer",
            Span.Types.SpanKind.Consumer => "Consumer",
            _ => "Internal",
        },
        service,
        instance,
        scope,
        FromNanos(span.StartTimeUnixNano),
        FromNanos(span.EndTimeUnixNano),
        span.Status?.Code switch
        {
            Status.Types.StatusCode.Error => "Error",
            Status.Types.StatusCode.Ok => "Ok",
            _ => "Unset",
        },
        string.IsNullOrEmpty(span.Status?.Message) ? null : span.Status.Message,
        Attributes(span.Attributes));

    private LogEntry ToEntry(LogRecord log, string scope, string service)
    {
        var time = log.TimeUnixNano != 0 ? log.TimeUnixNano : log.ObservedTimeUnixNano;
        var severity = (int)log.SeverityNumber;
        return new LogEntry(
            Interlocked.Increment(ref _nextLogId),
            FromNanos(time),
            severity switch
            {
                >= 21 => "Critical",
                >= 17 => "Error",
                >= 13 => "Warning",
                >= 9 => "Information",
                >= 5 => "Debug",
                >= 1 => "Trace",
                _ => string.IsNullOrEmpty(log.SeverityText) ? "Unspecified" : log.SeverityText,
            },
            severity,
            service,
            scope,
            Text(log.Body),
            Attributes(log.Attributes),
            log.TraceId.IsEmpty ? null : Hex(log.TraceId),
            log.SpanId.IsEmpty ? null : Hex(log.SpanId));
    }

    private static List<MetricPoint> ToPoints(Metric metric)
    {
        static MetricPoint Number(NumberDataPoint p) => new(FromNanos(p.TimeUnixNano), p.ValueCase == NumberDataPoint.ValueOneofCase.AsInt ? p.AsInt : p.AsDouble, Flatten(p.Attributes));

        return metric.DataCase switch
        {
            Metric.DataOneofCase.Gauge => [.. metric.Gauge.DataPoints.Select(Number)],
            Metric.DataOneofCase.Sum => [.. metric.Sum.DataPoints.Select(Number)],
            // Histograms are charted as their mean: what a person wants from a duration histogram at a glance.
            Metric.DataOneofCase.Histogram => [.. metric.Histogram.DataPoints.Select(p => new MetricPoint(FromNanos(p.TimeUnixNano), p.Count == 0 ? 0 : p.Sum / p.Count, Flatten(p.Attributes)))],
            Metric.DataOneofCase.ExponentialHistogram => [.. metric.ExponentialHistogram.DataPoints.Select(p => new MetricPoint(FromNanos(p.TimeUnixNano), p.Count == 0 ? 0 : p.Sum / p.Count, Flatten(p.Attributes)))],
            Metric.DataOneofCase.Summary => [.. metric.Summary.DataPoints.Select(p => new MetricPoint(FromNanos(p.TimeUnixNano), p.Count == 0 ? 0 : p.Sum / p.Count, Flatten(p.Attributes)))],
            _ => [],
        };
    }

    private static Dictionary<string, string> Attributes(RepeatedField<KeyValue> attributes)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var attribute in attributes)
        {
            result[attribute.Key] = Text(attribute.Value);
        }

        return result;
    }

    private static string Flatten(RepeatedField<KeyValue> attributes)
        => string.Join(", ", attributes.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => $"{a.Key}={Text(a.Value)}"));

    private static string Text(AnyValue? value) => value?.ValueCase switch
    {
        AnyValue.ValueOneofCase.StringValue => value.StringValue,
        AnyValue.ValueOneofCase.BoolValue => value.BoolValue ? "true" : "false",
        AnyValue.ValueOneofCase.IntValue => value.IntValue.ToString(CultureInfo.InvariantCulture),
        AnyValue.ValueOneofCase.DoubleValue => value.DoubleValue.ToString(CultureInfo.InvariantCulture),
        AnyValue.ValueOneofCase.ArrayValue => $"[{string.Join(", ", value.ArrayValue.Values.Select(Text))}]",
        AnyValue.ValueOneofCase.KvlistValue => $"{{{string.Join(", ", value.KvlistValue.Values.Select(kv => $"{kv.Key}={Text(kv.Value)}"))}}}",
        AnyValue.ValueOneofCase.BytesValue => Convert.ToBase64String(value.BytesValue.ToByteArray()),
        _ => string.Empty,
    };

    private static string Hex(ByteString bytes) => Convert.ToHexStringLower(bytes.Span);

    private static DateTimeOffset FromNanos(ulong nanos) => DateTimeOffset.UnixEpoch.AddTicks((long)(nanos / 100));

    /// <summary>One resource's telemetry, each kind bounded on its own.</summary>
    private sealed class ResourceTelemetry
    {
        private readonly Lock _lock = new();
        private readonly Queue<SpanRecord> _spans = new();
        private readonly Queue<LogEntry> _logs = new();
        private readonly Dictionary<string, (MetricSeriesInfo Info, Queue<MetricPoint> Points)> _series = new(StringComparer.Ordinal);

        public long DroppedSpans { get; private set; }

        public long DroppedLogs { get; private set; }

        public long DroppedPoints { get; private set; }

        public int SpanCount
        {
            get
            {
                lock (_lock)
                {
                    return _spans.Count;
                }
            }
        }

        public int LogCount
        {
            get
            {
                lock (_lock)
                {
                    return _logs.Count;
                }
            }
        }

        public int PointCount
        {
            get
            {
                lock (_lock)
                {
                    return _series.Values.Sum(s => s.Points.Count);
                }
            }
        }

        public void AddSpans(IEnumerable<SpanRecord> spans, int cap)
        {
            lock (_lock)
            {
                DroppedSpans += EnqueueBounded(_spans, spans, cap);
            }
        }

        public void AddLogs(IEnumerable<LogEntry> logs, int cap)
        {
            lock (_lock)
            {
                DroppedLogs += EnqueueBounded(_logs, logs, cap);
            }
        }

        public void AddPoints(string service, Metric metric, List<MetricPoint> points, int cap)
        {
            lock (_lock)
            {
                if (!_series.TryGetValue(metric.Name, out var series))
                {
                    series = (new MetricSeriesInfo(service, metric.Name, metric.Description, metric.Unit, metric.DataCase.ToString(), 0), new Queue<MetricPoint>());
                    _series[metric.Name] = series;
                }

                DroppedPoints += EnqueueBounded(series.Points, points, cap);
            }
        }

        /// <summary>Appends, dropping the oldest past <paramref name="cap"/>; returns how many were dropped.</summary>
        private static int EnqueueBounded<T>(Queue<T> queue, IEnumerable<T> items, int cap)
        {
            var dropped = 0;
            foreach (var item in items)
            {
                queue.Enqueue(item);
                if (queue.Count > cap)
                {
                    queue.Dequeue();
                    dropped++;
                }
            }

            return dropped;
        }

        public List<SpanRecord> SpansSnapshot()
        {
            lock (_lock)
            {
                return [.. _spans];
            }
        }

        public List<LogEntry> LogsSnapshot()
        {
            lock (_lock)
            {
                return [.. _logs];
            }
        }

        public IReadOnlyList<MetricSeriesInfo> Instruments()
        {
            lock (_lock)
            {
                return [.. _series.Values.Select(s => s.Info with { Points = s.Points.Count }).OrderBy(s => s.Name, StringComparer.Ordinal)];
            }
        }

        public (MetricSeriesInfo? Info, IReadOnlyList<MetricPoint> Points) Series(string name)
        {
            lock (_lock)
            {
                return _series.TryGetValue(name, out var series) ? (series.Info with { Points = series.Points.Count }, [.. series.Points]) : (null, []);
            }
        }
    }
}
