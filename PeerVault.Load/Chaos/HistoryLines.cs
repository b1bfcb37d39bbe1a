using System.Text.Json.Serialization;

namespace PeerVault.Load.Chaos;

/// <summary>
/// One line of <c>history.jsonl</c>: the run's parameters, an operation's invocation or completion,
/// or a fault's start or heal. Times are milliseconds of a monotonic clock since the run began.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(RunLine), "run")]
[JsonDerivedType(typeof(InvokeLine), "invoke")]
[JsonDerivedType(typeof(CompleteLine), "complete")]
[JsonDerivedType(typeof(FaultLine), "fault")]
internal abstract record HistoryLine;

/// <summary>What the run was: enough to read the rest of the history without the command line.</summary>
internal sealed record RunLine(
    int Seed,
    string Preset,
    string Network,
    IReadOnlyList<string> Nodes,
    int Replicas,
    int WriteQuorum,
    string Prefix,
    IReadOnlyList<string> Keys,
    double WeakenedTailMs,
    DateTimeOffset StartedAt,
    IReadOnlyList<string> FaultKinds,
    IReadOnlyList<string> Skipped) : HistoryLine;

/// <summary>An operation begins: who, what, through which node; for a PUT, the identity of the value it writes.</summary>
internal sealed record InvokeLine(long Op, string Client, string Kind, string? Key, string Node, double AtMs, string? Value, long? Size) : HistoryLine;

/// <summary>
/// An operation ends. <c>outcome</c>: <c>ok</c> (acknowledged, or read), <c>fail</c> (certainly not
/// applied: the connection was never made, or a 4xx), <c>info</c> (indeterminate: a 5xx, a timeout,
/// a cut connection). <c>value</c> is what a GET read (a write's identity; null for 404);
/// <c>invalid</c> says why a body was no PUT's content; <c>entries</c> is a listing (key → version).
/// </summary>
internal sealed record CompleteLine(
    long Op,
    double AtMs,
    string Outcome,
    int? Status,
    string? Value,
    string? Version,
    IReadOnlyList<string>? Placement,
    string? Error,
    string? Invalid,
    IReadOnlyDictionary<string, string>? Entries) : HistoryLine;

/// <summary>
/// A fault starts or heals. <c>blocked</c> lists the node pairs that cannot reach each other while a
/// partition lasts; <c>members</c> the nodes in the cluster when it started.
/// </summary>
internal sealed record FaultLine(
    long Fault,
    string Phase,
    string Kind,
    IReadOnlyList<string> Nodes,
    string Detail,
    double AtMs,
    IReadOnlyList<IReadOnlyList<string>>? Blocked,
    IReadOnlyList<string>? Members) : HistoryLine;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(HistoryLine))]
[JsonSerializable(typeof(CheckReport))]
internal sealed partial class ChaosJsonContext : JsonSerializerContext;
