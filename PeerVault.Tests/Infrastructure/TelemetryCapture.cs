using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace PeerVault.Tests.Infrastructure;

/// <summary>
/// Listens to every span and measurement the process produces (PeerVault's sources, ASP.NET Core,
/// HttpClient), as an exporter would receive them.
/// </summary>
public sealed class TelemetryCapture : IDisposable
{
    private static readonly string[] Sources = ["PeerVault.Node", "PeerVault.Client", "PeerVault.DemoClient", "PeerVault.Tests", "Microsoft.AspNetCore", "System.Net.Http"];

    private readonly ActivityListener _activities;
    private readonly MeterListener _meters = new();
    private readonly ConcurrentQueue<Activity> _spans = new();
    private readonly ConcurrentQueue<(string Instrument, string Tags)> _measurements = new();

    public TelemetryCapture()
    {
        _activities = new ActivityListener
        {
            ShouldListenTo = source => Sources.Contains(source.Name),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _spans.Enqueue,
        };
        ActivitySource.AddActivityListener(_activities);

        _meters.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name.StartsWith("PeerVault", StringComparison.Ordinal))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _meters.SetMeasurementEventCallback<long>((i, _, tags, _) => Record(i, tags));
        _meters.SetMeasurementEventCallback<int>((i, _, tags, _) => Record(i, tags));
        _meters.SetMeasurementEventCallback<double>((i, _, tags, _) => Record(i, tags));
        _meters.Start();
    }

    public static readonly ActivitySource TestSource = new("PeerVault.Tests");

    public IReadOnlyCollection<Activity> Spans => _spans;

    public IReadOnlyCollection<(string Instrument, string Tags)> Measurements => _measurements;

    public IReadOnlyList<Activity> InTrace(ActivityTraceId trace) => [.. _spans.Where(s => s.TraceId == trace)];

    /// <summary>Everything a telemetry backend would show as text: names, tags, status, events.</summary>
    public IEnumerable<string> AllText()
    {
        foreach (var span in _spans)
        {
            yield return span.DisplayName;
            yield return span.StatusDescription ?? string.Empty;
            foreach (var tag in span.TagObjects)
            {
                yield return $"{tag.Key}={tag.Value}";
            }

            foreach (var item in span.Baggage)
            {
                yield return $"{item.Key}={item.Value}";
            }

            foreach (var e in span.Events)
            {
                yield return e.Name;
                foreach (var tag in e.Tags)
                {
                    yield return $"{tag.Key}={tag.Value}";
                }
            }
        }

        foreach (var (instrument, tags) in _measurements)
        {
            yield return $"{instrument} {tags}";
        }
    }

    public Task WaitForAsync(Func<TelemetryCapture, bool> condition, string what)
        => Poll.UntilAsync(() => condition(this), what);

    private void Record(Instrument instrument, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var text = string.Join(",", tags.ToArray().Select(t => $"{t.Key}={t.Value}"));
        _measurements.Enqueue((instrument.Name, text));
    }

    public void Dispose()
    {
        _activities.Dispose();
        _meters.Dispose();
    }
}

public static class ActivityExtensions
{
    public static string? Node(this Activity span) => span.GetTagItem("peervault.node") as string;

    public static string? Peer(this Activity span) => span.GetTagItem("peervault.peer") as string;
}
