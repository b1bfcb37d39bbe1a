using System.Diagnostics;
using System.Text.Json;

namespace PeerVault.Load.Chaos;

/// <summary>What a request gave, before it is written into the history.</summary>
internal sealed record OpResult(
    OpOutcome Outcome,
    int? Status = null,
    string? Value = null,
    string? Version = null,
    IReadOnlyList<string>? Placement = null,
    string? Error = null,
    string? Invalid = null,
    IReadOnlyDictionary<string, string>? Entries = null);

/// <summary>
/// Records the run as it happens: every line goes to <c>history.jsonl</c> at once (a run that dies
/// leaves its history up to that moment) and into the in-memory <see cref="ChaosHistory"/> the
/// checker reads. Thread-safe; times come from one monotonic clock.
/// </summary>
internal sealed class HistoryLog : IDisposable
{
    private readonly Lock _lock = new();
    private readonly StreamWriter _writer;
    private readonly Stopwatch _clock;
    private readonly Dictionary<long, Operation> _operations = [];
    private readonly Dictionary<long, FaultWindow> _faults = [];
    private long _nextOperation;
    private long _nextFault;

    public HistoryLog(string path, RunLine run, Stopwatch clock)
    {
        _clock = clock;
        _writer = new StreamWriter(path, append: false) { AutoFlush = true };
        History = new ChaosHistory { Run = run };
        Write(run);
    }

    public ChaosHistory History { get; }

    public double NowMs => Math.Round(_clock.Elapsed.TotalMilliseconds, 2);

    /// <summary>Reads the history while nothing is added to it (progress lines, while clients still run).</summary>
    public T Read<T>(Func<ChaosHistory, T> read)
    {
        lock (_lock)
        {
            return read(History);
        }
    }

    public Operation Invoke(string client, OpKind kind, string? key, string node, string? value = null, long? size = null)
    {
        lock (_lock)
        {
            var line = new InvokeLine(++_nextOperation, client, Operation.KindName(kind), key, node, NowMs, value, size);
            Write(line);
            History.Apply(line, _operations, _faults);
            return _operations[line.Op];
        }
    }

    public void Complete(Operation operation, OpResult result)
    {
        lock (_lock)
        {
            var line = new CompleteLine(
                operation.Id,
                NowMs,
                result.Outcome.ToString().ToLowerInvariant(),
                result.Status,
                operation.Kind == OpKind.Put ? null : result.Value,
                result.Version,
                result.Placement,
                result.Error,
                result.Invalid,
                result.Entries);
            Write(line);
            History.Apply(line, _operations, _faults);
        }
    }

    /// <summary>Records a fault's start; returns its id for <see cref="FaultHealed"/>.</summary>
    public long FaultStarted(string kind, IReadOnlyList<string> nodes, string detail, IReadOnlyList<IReadOnlyList<string>>? blocked = null, IReadOnlyList<string>? members = null)
    {
        lock (_lock)
        {
            var line = new FaultLine(++_nextFault, "start", kind, nodes, detail, NowMs, blocked, members);
            Write(line);
            History.Apply(line, _operations, _faults);
            return line.Fault;
        }
    }

    public void FaultHealed(long fault, string detail)
    {
        lock (_lock)
        {
            if (!_faults.TryGetValue(fault, out var window) || window.HealMs is not null)
            {
                return;
            }

            var line = new FaultLine(fault, "heal", window.Kind, window.Nodes, detail, NowMs, null, null);
            Write(line);
            History.Apply(line, _operations, _faults);
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _writer.Dispose();
        }
    }

    private void Write(HistoryLine line) => _writer.WriteLine(JsonSerializer.Serialize(line, ChaosJsonContext.Default.HistoryLine));
}
