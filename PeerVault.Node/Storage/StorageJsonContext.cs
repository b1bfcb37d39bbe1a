using System.Text.Json.Serialization;

namespace PeerVault.Node.Storage;

/// <summary>Source-generated JSON for what storage keeps on disk (the key index log).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(IndexEntry))]
internal sealed partial class StorageJsonContext : JsonSerializerContext;
