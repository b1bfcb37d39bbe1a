using System.Text.Json;
using System.Text.Json.Serialization;

namespace PeerVault.Cli.Api;

// The shapes of the node's HTTP API (PeerVault.Node/Api/ApiModels.cs), declared again here: the
// CLI is a client of the HTTP API, not of the node's assemblies.

internal sealed record StoredObject(string Key, string ObjectId, long Size, string Version, IReadOnlyList<string> Replicas, IReadOnlyList<string> Placement);

internal sealed record DeletedObject(string Key, string Version, IReadOnlyList<string> Replicas, IReadOnlyList<string> Placement);

internal sealed record ObjectSummary(string Key, string ObjectId, long Size, string Version, DateTimeOffset UpdatedAt);

internal sealed record ObjectListing(IReadOnlyList<ObjectSummary> Objects, string? Next);

internal sealed record KeyPlacement(string Key, int Partition, int Replicas, IReadOnlyList<string> Placement);

internal sealed record NodeDescription(string Name, string Id, string KeyId, long Epoch, int PeerPort, int Objects, int Replicas, int ConfiguredReplicas, int WriteQuorum, DiskDescription? Disk, double? ClockOffsetWarnSeconds = null);

internal sealed record DiskDescription(long FreeBytes, long TotalBytes);

internal sealed record MemberDescription(string Id, string Name, string? Address, string State, long Incarnation, DateTimeOffset StateSince, DateTimeOffset? LastSeen, bool Self, double? ClockOffsetSeconds = null, double? ClockOffsetUncertaintySeconds = null);

internal sealed record ReplicationDescription(int UnderReplicated, int RepairBacklog, long BytesRepaired, long ObjectsRepaired, int Tombstones, DateTimeOffset? LastFullSync);

internal sealed record ClusterDescription(NodeDescription Node, IReadOnlyList<MemberDescription> Members, ReplicationDescription Replication);

/// <summary>An RFC 9457 problem; the write-quorum one carries <c>acknowledged</c>, <c>required</c> and <c>failures</c>.</summary>
internal sealed record Problem(string? Type, string? Title, int? Status, string? Detail, int? Acknowledged, int? Required, IReadOnlyList<string>? Failures, string? TraceId);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(StoredObject))]
[JsonSerializable(typeof(DeletedObject))]
[JsonSerializable(typeof(ObjectListing))]
[JsonSerializable(typeof(KeyPlacement))]
[JsonSerializable(typeof(ClusterDescription))]
[JsonSerializable(typeof(Problem))]
internal sealed partial class ApiJsonContext : JsonSerializerContext;
