using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace PeerVault.Node.Diagnostics;

/// <summary>
/// Refusals anyone can trigger (a wrong API key, a failed handshake, a malformed frame) are counted
/// in a metric every time but logged at most once per <see cref="Interval"/> per kind, with how
/// many there were and the last source, so that a flood of them cannot flood the log. A timer
/// writes the count of a window that ended quietly, so the summary is not lost when the flood stops.
/// </summary>
public sealed partial class RefusalLog : IDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, Window> _windows = new(StringComparer.Ordinal);
    private readonly Meter _meter;
    private readonly Counter<long> _refusals;
    private readonly TimeProvider _time;
    private readonly ILogger<RefusalLog> _logger;
    private readonly ITimer _flush;

    public RefusalLog(IMeterFactory meters, TimeProvider time, ILogger<RefusalLog> logger)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(meters);
        _meter = meters.Create(NodeMetrics.MeterName);
        _refusals = _meter.CreateCounter<long>("peervault.refusals", "{refusal}", "Requests and connections refused, by kind (api-key-missing, api-key-wrong, api-key-scope, handshake-inbound, handshake-outbound, handshake-cluster-key, frame-rate, connection-limit).");
        _time = time;
        _logger = logger;
        _flush = time.CreateTimer(_ => Flush(), null, Interval, Interval);
    }

    /// <summary>Counts a refusal; logs the first of an interval at once and the rest as one line when the interval ends.</summary>
    public void Refused(string kind, string source, string? detail = null)
    {
        _refusals.Add(1, new KeyValuePair<string, object?>("kind", kind));
        var now = _time.GetUtcNow();
        var window = _windows.GetOrAdd(kind, _ => new Window());
        int suppressed;
        string? lastSource;
        lock (window)
        {
            if (now < window.Ends)
            {
                window.Suppressed++;
                window.LastSource = source;
                return;
            }

            (suppressed, lastSource) = (window.Suppressed, window.LastSource);
            window.Ends = now + Interval;
            window.Suppressed = 0;
        }

        if (suppressed > 0)
        {
            LogSuppressed(kind, suppressed, Interval.TotalSeconds, lastSource ?? "?");
        }

        LogRefused(kind, source, detail ?? string.Empty);
    }

    /// <summary>Writes the counts of windows that have ended without a later refusal to report them.</summary>
    public void Flush()
    {
        var now = _time.GetUtcNow();
        foreach (var (kind, window) in _windows)
        {
            int suppressed;
            string? lastSource;
            lock (window)
            {
                if (now < window.Ends || window.Suppressed == 0)
                {
                    continue;
                }

                (suppressed, lastSource) = (window.Suppressed, window.LastSource);
                window.Suppressed = 0;
            }

            LogSuppressed(kind, suppressed, Interval.TotalSeconds, lastSource ?? "?");
        }
    }

    public void Dispose()
    {
        _flush.Dispose();
        _meter.Dispose();
    }

    private sealed class Window
    {
        public DateTimeOffset Ends;
        public int Suppressed;
        public string? LastSource;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused ({Kind}) from {Source}. {Detail}")]
    private partial void LogRefused(string kind, string source, string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused ({Kind}) {Count} more time(s) within {Seconds} s, not logged one by one; the last from {LastSource}")]
    private partial void LogSuppressed(string kind, int count, double seconds, string lastSource);
}
