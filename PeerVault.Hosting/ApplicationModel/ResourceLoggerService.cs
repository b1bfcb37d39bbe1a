using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>One line of a resource's console output.</summary>
public sealed record LogLine(int LineNumber, DateTimeOffset Timestamp, string Text, bool IsErrorMessage);

/// <summary>
/// Each resource's stdout/stderr, line by line with timestamps (ANSI colours stripped), kept in
/// memory up to a cap per resource, oldest first out.
/// </summary>
public sealed partial class ResourceLoggerService(TimeProvider time)
{
    public const int MaxLinesPerResource = 10_000;

    private readonly ConcurrentDictionary<string, ResourceLog> _logs = new(StringComparer.Ordinal);
    private long _version;

    /// <summary>Increases with every line from any resource.</summary>
    public long Version => Interlocked.Read(ref _version);

    public IReadOnlyList<LogLine> GetLines(string resource) => Log(resource).Snapshot();

    /// <summary>The lines so far, then every new one as it arrives.</summary>
    public IAsyncEnumerable<LogLine> WatchAsync(string resource, CancellationToken cancellationToken = default)
        => Log(resource).WatchAsync(cancellationToken);

    internal LogLine Add(string resource, string text, bool isError)
    {
        Interlocked.Increment(ref _version);
        return Log(resource).Add(time.GetUtcNow(), Ansi().Replace(text, string.Empty), isError);
    }

    private ResourceLog Log(string resource) => _logs.GetOrAdd(resource, _ => new ResourceLog());

    [GeneratedRegex(@"\x1B\[[0-9;]*[A-Za-z]")]
    private static partial Regex Ansi();

    private sealed class ResourceLog
    {
        private readonly Queue<LogLine> _lines = new();
        private readonly Broadcast<LogLine> _broadcast = new();
        private int _next;

        public LogLine Add(DateTimeOffset timestamp, string text, bool isError)
            => _broadcast.Publish(() =>
            {
                var line = new LogLine(++_next, timestamp, text, isError);
                _lines.Enqueue(line);
                if (_lines.Count > MaxLinesPerResource)
                {
                    _lines.Dequeue();
                }

                return line;
            });

        public IReadOnlyList<LogLine> Snapshot() => _broadcast.Read<IReadOnlyList<LogLine>>(() => [.. _lines]);

        public IAsyncEnumerable<LogLine> WatchAsync(CancellationToken cancellationToken)
            => _broadcast.WatchAsync(() => _lines, cancellationToken);
    }
}
