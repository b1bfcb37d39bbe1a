using System.Text.Json;
using System.Text.Json.Serialization;

namespace PeerVault.Node.Api;

/// <summary>Answer to a PUT: where the object is durable, and under which version.</summary>
public sealed record StoredObject(string Key, string ObjectId, long Size, string Version, IReadOnlyList<string> Replicas, IReadOnlyList<string> Placement);

public sealed record DeletedObject(string Key, string Version, IReadOnlyList<string> Replicas, IReadOnlyList<string> Placement);

public sealed record ObjectSummary(string Key, string ObjectId, long Size, string Version, DateTimeOffset UpdatedAt);

public sealed record ObjectListing(IReadOnlyList<ObjectSummary> Objects, string? Next);

public sealed record KeyPlacement(string Key, int Partition, int Replicas, IReadOnlyList<string> Placement);

/// <summary>This node; <see cref="ClockOffsetWarnSeconds"/> is the peer clock offset beyond which its health is degraded.</summary>
public sealed record NodeDescription(string Name, string Id, string KeyId, long Epoch, int PeerPort, int Objects, int Replicas, int ConfiguredReplicas, int WriteQuorum, DiskDescription? Disk = null, double? ClockOffsetWarnSeconds = null);

/// <summary>Space on the volume holding the node's data directory (null when the platform cannot say).</summary>
public sealed record DiskDescription(long FreeBytes, long TotalBytes);

/// <summary>
/// A member as this node sees it. <see cref="ClockOffsetSeconds"/>: how far its wall clock is ahead
/// of this node's (negative: behind), give or take <see cref="ClockOffsetUncertaintySeconds"/>;
/// both left out while it is not connected (and for this node itself).
/// </summary>
public sealed record MemberDescription(string Id, string Name, string? Address, string State, long Incarnation, DateTimeOffset StateSince, DateTimeOffset? LastSeen, bool Self, double? ClockOffsetSeconds = null, double? ClockOffsetUncertaintySeconds = null);

public sealed record ReplicationDescription(int UnderReplicated, int RepairBacklog, long BytesRepaired, long ObjectsRepaired, int Tombstones, DateTimeOffset? LastFullSync);

public sealed record ClusterDescription(NodeDescription Node, IReadOnlyList<MemberDescription> Members, ReplicationDescription Replication);

public sealed record SyncResult(int Peers, int PartitionsCompared, int PartitionsDiffering, int Pulled, int Pushed, int Offloaded, int Failed);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(StoredObject))]
[JsonSerializable(typeof(DeletedObject))]
[JsonSerializable(typeof(ObjectListing))]
[JsonSerializable(typeof(KeyPlacement))]
[JsonSerializable(typeof(ClusterDescription))]
[JsonSerializable(typeof(SyncResult))]
internal sealed partial class ApiJsonContext : JsonSerializerContext;
