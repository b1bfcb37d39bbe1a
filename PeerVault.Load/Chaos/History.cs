using System.Text.Json;

namespace PeerVault.Load.Chaos;

internal enum OpKind
{
    Put,
    Get,
    Delete,
    List,
}

internal enum OpOutcome
{
    /// <summary>Never completed (the run ended first): as indeterminate as a timeout.</summary>
    Pending,

    /// <summary>Acknowledged (a write), or answered (a read, a listing).</summary>
    Ok,

    /// <summary>Certainly not applied: the connection was never made, or the node refused the request (4xx).</summary>
    Fail,

    /// <summary>Indeterminate: a 5xx, a timeout, a cut connection. It may or may not take effect, possibly later.</summary>
    Info,
}

/// <summary>One operation, paired from its invoke and complete lines.</summary>
internal sealed class Operation
{
    public required long Id { get; init; }

    public required string Client { get; init; }

    public required OpKind Kind { get; init; }

    /// <summary>The key; null for a listing.</summary>
    public string? Key { get; init; }

    public required string Node { get; init; }

    public required double InvokeMs { get; init; }

    public double? CompleteMs { get; set; }

    public OpOutcome Outcome { get; set; } = OpOutcome.Pending;

    public int? Status { get; set; }

    /// <summary>A PUT: the identity of the value it writes. A GET: the identity of the value it read (null: 404 or no answer).</summary>
    public string? Value { get; set; }

    public string? Version { get; set; }

    public IReadOnlyList<string>? Placement { get; set; }

    public string? Error { get; set; }

    /// <summary>Why a GET's body was not the content of any PUT (null: it was, or there was no body).</summary>
    public string? Invalid { get; set; }

    /// <summary>A listing: key → version of every live key it returned.</summary>
    public IReadOnlyDictionary<string, string>? Entries { get; set; }

    public long? Size { get; init; }

    public bool IsWrite => Kind is OpKind.Put or OpKind.Delete;

    /// <summary>Reads of the final check, after every fault healed and the clients stopped.</summary>
    public bool IsFinal => Client.StartsWith(ChaosHistory.FinalClient, StringComparison.Ordinal);

    /// <summary>When it ended for ordering: an operation that never completed is treated as ending at infinity.</summary>
    public double EndMs => CompleteMs ?? double.PositiveInfinity;

    public static string KindName(OpKind kind) => kind.ToString().ToLowerInvariant();

    public override string ToString()
    {
        var what = Kind == OpKind.List ? "LIST" : $"{Kind.ToString().ToUpperInvariant()} {Key}";
        var value = Kind == OpKind.Put ? $" {Value}" : string.Empty;
        var answer = Outcome switch
        {
            OpOutcome.Ok when Kind == OpKind.Get => Value is null ? " → 404" : $" → {Value}",
            OpOutcome.Ok => $" → {Status}",
            OpOutcome.Pending => " → (no answer)",
            _ => $" → {Outcome.ToString().ToLowerInvariant()} {Status?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? Error}",
        };
        var version = Version is null ? string.Empty : $" v{ShortVersion(Version)}";
        var end = CompleteMs is { } complete ? $"{complete / 1000:0.000}" : "…";
        return $"#{Id} {Client} {what}{value} via {Node} [{InvokeMs / 1000:0.000}–{end} s]{answer}{version}";
    }

    /// <summary>A version's wall time and counter, enough to tell versions apart in a report.</summary>
    public static string ShortVersion(string version) => version.Length >= 25 ? $"{version[..16].TrimStart('0')}.{version[17..25].TrimStart('0')}@{version[26..Math.Min(version.Length, 32)]}" : version;
}

/// <summary>One fault from its start to its heal.</summary>
internal sealed class FaultWindow
{
    public required long Id { get; init; }

    public required string Kind { get; init; }

    public required IReadOnlyList<string> Nodes { get; init; }

    public required string Detail { get; init; }

    public required double StartMs { get; init; }

    public double? HealMs { get; set; }

    public IReadOnlyList<IReadOnlyList<string>> Blocked { get; init; } = [];

    public IReadOnlyList<string> Members { get; init; } = [];

    public double EndMs => HealMs ?? double.PositiveInfinity;

    /// <summary>A node came back under a new id without being planned to (its data directory went away while it ran).</summary>
    public const string NewIdKind = "new-id";

    public bool ChangesMembership
        => Kind == NewIdKind || (FaultKinds.ByName.TryGetValue(Kind, out var kind) && kind.ChangesMembership());

    public bool IsPartition => Blocked.Count > 0;
}

/// <summary>A run's history: its parameters, every operation and every fault, in memory.</summary>
internal sealed class ChaosHistory
{
    public const string FinalClient = "final";

    public required RunLine Run { get; init; }

    public List<Operation> Operations { get; } = [];

    public List<FaultWindow> Faults { get; } = [];

    /// <summary>Reads <c>history.jsonl</c> back, pairing invokes with completions.</summary>
    public static ChaosHistory Load(string path)
    {
        ChaosHistory? history = null;
        var operations = new Dictionary<long, Operation>();
        var faults = new Dictionary<long, FaultWindow>();
        foreach (var text in File.ReadLines(path))
        {
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            var line = JsonSerializer.Deserialize(text, ChaosJsonContext.Default.HistoryLine) ?? throw new InvalidDataException($"Empty line in {path}.");
            if (line is RunLine run)
            {
                history = new ChaosHistory { Run = run };
                continue;
            }

            if (history is null)
            {
                throw new InvalidDataException($"{path} does not begin with a run line.");
            }

            history.Apply(line, operations, faults);
        }

        return history ?? throw new InvalidDataException($"{path} has no run line.");
    }

    /// <summary>Adds one line (not the run line) to the history.</summary>
    public void Apply(HistoryLine line, Dictionary<long, Operation> operations, Dictionary<long, FaultWindow> faults)
    {
        switch (line)
        {
            case InvokeLine invoke:
                var operation = FromInvoke(invoke);
                operations[invoke.Op] = operation;
                Operations.Add(operation);
                break;
            case CompleteLine complete when operations.TryGetValue(complete.Op, out var started):
                ApplyCompletion(started, complete);
                break;
            case FaultLine { Phase: "start" } start:
                var window = new FaultWindow
                {
                    Id = start.Fault,
                    Kind = start.Kind,
                    Nodes = start.Nodes,
                    Detail = start.Detail,
                    StartMs = start.AtMs,
                    Blocked = start.Blocked ?? [],
                    Members = start.Members ?? [],
                };
                faults[start.Fault] = window;
                Faults.Add(window);
                break;
            case FaultLine heal when faults.TryGetValue(heal.Fault, out var healed):
                healed.HealMs = heal.AtMs;
                break;
        }
    }

    public static Operation FromInvoke(InvokeLine invoke) => new()
    {
        Id = invoke.Op,
        Client = invoke.Client,
        Kind = Enum.Parse<OpKind>(invoke.Kind, ignoreCase: true),
        Key = invoke.Key,
        Node = invoke.Node,
        InvokeMs = invoke.AtMs,
        Value = invoke.Value,
        Size = invoke.Size,
    };

    public static void ApplyCompletion(Operation operation, CompleteLine complete)
    {
        operation.CompleteMs = complete.AtMs;
        operation.Outcome = Enum.Parse<OpOutcome>(complete.Outcome, ignoreCase: true);
        operation.Status = complete.Status;
        if (operation.Kind != OpKind.Put)
        {
            operation.Value = complete.Value;
        }

        operation.Version = complete.Version;
        operation.Placement = complete.Placement;
        operation.Error = complete.Error;
        operation.Invalid = complete.Invalid;
        operation.Entries = complete.Entries;
    }

    public static CompleteLine ToCompleteLine(Operation operation) => new(
        operation.Id,
        operation.CompleteMs ?? 0,
        operation.Outcome.ToString().ToLowerInvariant(),
        operation.Status,
        operation.Kind == OpKind.Put ? null : operation.Value,
        operation.Version,
        operation.Placement,
        operation.Error,
        operation.Invalid,
        operation.Entries);
}
