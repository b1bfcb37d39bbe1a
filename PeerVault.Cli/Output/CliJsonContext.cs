using System.Text.Json;
using System.Text.Json.Serialization;
using PeerVault.Contracts;

namespace PeerVault.Cli.Output;

/// <summary>What <c>--json</c> prints on error: the exit code, its name, one line, and the node's status and problem type when it answered.</summary>
internal sealed record ErrorOutput(ErrorDetail Error);

internal sealed record ErrorDetail(int ExitCode, string Kind, string Message, int? Status, string? Type);

/// <summary><c>get</c> with <c>--json</c> and <c>--output</c>: what was written where.</summary>
internal sealed record DownloadResult(string Key, string File, long Bytes, string? Version, string? ObjectId, string? ContentRange, string? ServedBy);

/// <summary><c>ls --json</c>: every object listed, and where to continue if <c>--limit</c> stopped early.</summary>
internal sealed record ListResult(IReadOnlyList<ObjectSummary> Objects, [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Next);

/// <summary><c>stat --json</c>.</summary>
internal sealed record StatResult(string Key, long Size, string? ObjectId, string? Version, string? ServedBy, int Partition, int ReplicationFactor, IReadOnlyList<ReplicaState> Replicas, Receipt? Receipt, string? Note);

internal sealed record ReplicaState(string Node, string? State, string? Address);

/// <summary>
/// The durability receipt of an object: the API hands one out on PUT only, so <c>stat</c> says
/// where the placement puts the object and which of those members are alive, and leaves this null
/// until the cluster can answer it for an existing object.
/// </summary>
internal sealed record Receipt(IReadOnlyList<string> Replicas, string Version);

/// <summary><c>doctor --json</c>: every check and the verdict.</summary>
internal sealed record DoctorReport(bool Healthy, IReadOnlyList<Finding> Findings);

/// <summary>One check: <c>ok</c>, <c>warn</c>, <c>fail</c> or <c>skipped</c>; what is wrong and how to fix it when it is not ok.</summary>
internal sealed record Finding(string Check, string Status, string Target, string Message, string? Fix);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ErrorOutput))]
[JsonSerializable(typeof(DownloadResult))]
[JsonSerializable(typeof(ListResult))]
[JsonSerializable(typeof(StatResult))]
[JsonSerializable(typeof(DoctorReport))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
