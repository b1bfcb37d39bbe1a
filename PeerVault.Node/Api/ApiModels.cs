using System.Text.Json;
using System.Text.Json.Serialization;
using PeerVault.Node.Cluster;

namespace PeerVault.Node.Api;

/// <summary>Answer to a PUT: where the object is durable.</summary>
public sealed record StoredObject(string Key, string ObjectId, long Size, long Version, IReadOnlyList<string> Replicas, IReadOnlyList<string>? Failures = null, string? Error = null);

public sealed record ObjectSummary(string Key, string ObjectId, long Size, long Version, string Origin, DateTimeOffset UpdatedAt);

public sealed record ObjectListing(IReadOnlyList<ObjectSummary> Objects);

public sealed record DeletedObject(string Key, long Version, IReadOnlyList<string> Replicas);

public sealed record NodeDescription(string Name, string Id, string KeyId, long Epoch, int PeerPort, int Objects, int WriteQuorum, int UnderReplicated);

public sealed record ClusterDescription(NodeDescription Node, IReadOnlyList<PeerStatus> Peers);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(StoredObject))]
[JsonSerializable(typeof(ObjectListing))]
[JsonSerializable(typeof(DeletedObject))]
[JsonSerializable(typeof(ClusterDescription))]
internal sealed partial class ApiJsonContext : JsonSerializerContext;
