using System.Text.Json;
using System.Text.Json.Serialization;

namespace PeerVault.Contracts;

// The JSON the node's API answers with (System.Text.Json web defaults: camelCase, nulls left out).
// Moved here from PeerVault.Node/Api unchanged, so the node and every client read and write the
// same records.

/// <summary>Answer to a PUT: where the object is durable, and under which version.</summary>
public sealed record StoredObject(string Key, string ObjectId, long Size, string Version, IReadOnlyList<string> Replicas, IReadOnlyList<string> Placement);

/// <summary>Answer to a DELETE: the tombstone's version and the replicas that hold it.</summary>
public sealed record DeletedObject(string Key, string Version, IReadOnlyList<string> Replicas, IReadOnlyList<string> Placement);

/// <summary>One live object of a listing.</summary>
public sealed record ObjectSummary(string Key, string ObjectId, long Size, string Version, DateTimeOffset UpdatedAt);

/// <summary>A page of <c>GET /v1/objects</c>; pass <see cref="Next"/> as <c>after</c> for the next page (null: the listing ended).</summary>
public sealed record ObjectListing(IReadOnlyList<ObjectSummary> Objects, string? Next);

/// <summary>Answer to <c>GET /v1/placement/{key}</c>: the key's partition and the nodes placed to hold it.</summary>
public sealed record KeyPlacement(string Key, int Partition, int Replicas, IReadOnlyList<string> Placement);

/// <summary>The node that answered <c>GET /v1/cluster</c>; <see cref="ClockOffsetWarnSeconds"/> is the peer clock offset beyond which its health is degraded.</summary>
public sealed record NodeDescription(string Name, string Id, string KeyId, long Epoch, int PeerPort, int Objects, int Replicas, int ConfiguredReplicas, int WriteQuorum, DiskDescription? Disk = null, double? ClockOffsetWarnSeconds = null);

/// <summary>Space on the volume holding the node's data directory (null when the platform cannot say).</summary>
public sealed record DiskDescription(long FreeBytes, long TotalBytes);

/// <summary>
/// A member as this node sees it. <see cref="ClockOffsetSeconds"/>: how far its wall clock is ahead
/// of this node's (negative: behind), give or take <see cref="ClockOffsetUncertaintySeconds"/>;
/// both left out while it is not connected (and for this node itself).
/// </summary>
public sealed record MemberDescription(string Id, string Name, string? Address, string State, long Incarnation, DateTimeOffset StateSince, DateTimeOffset? LastSeen, bool Self, double? ClockOffsetSeconds = null, double? ClockOffsetUncertaintySeconds = null);

/// <summary>Replication status of the answering node.</summary>
public sealed record ReplicationDescription(int UnderReplicated, int RepairBacklog, long BytesRepaired, long ObjectsRepaired, int Tombstones, DateTimeOffset? LastFullSync);

/// <summary>Answer to <c>GET /v1/cluster</c>.</summary>
public sealed record ClusterDescription(NodeDescription Node, IReadOnlyList<MemberDescription> Members, ReplicationDescription Replication);

/// <summary>Answer to <c>POST /v1/cluster/sync</c>: what one anti-entropy pass did.</summary>
public sealed record SyncResult(int Peers, int PartitionsCompared, int PartitionsDiffering, int Pulled, int Pushed, int Offloaded, int Failed);

/// <summary>
/// An RFC 9457 problem as the API answers errors (<c>application/problem+json</c>): a stable
/// <see cref="Type"/> (see <see cref="ProblemTypes"/>), a title and a detail for people; a write
/// below its quorum adds <see cref="Acknowledged"/>, <see cref="Required"/>, the replicas and why
/// each of the others failed; an internal error carries the <see cref="TraceId"/> its log is under.
/// </summary>
public sealed record ApiProblem(
    string? Type,
    string? Title,
    int? Status,
    string? Detail,
    string? Key = null,
    string? Version = null,
    int? Acknowledged = null,
    int? Required = null,
    IReadOnlyList<string>? Replicas = null,
    IReadOnlyList<string>? Placement = null,
    IReadOnlyList<string>? Failures = null,
    string? TraceId = null);

/// <summary>The API's JSON, source-generated (no reflection, trimming- and AOT-safe).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(StoredObject))]
[JsonSerializable(typeof(DeletedObject))]
[JsonSerializable(typeof(ObjectListing))]
[JsonSerializable(typeof(KeyPlacement))]
[JsonSerializable(typeof(ClusterDescription))]
[JsonSerializable(typeof(SyncResult))]
[JsonSerializable(typeof(ApiProblem))]
public sealed partial class PeerVaultJsonContext : JsonSerializerContext;
