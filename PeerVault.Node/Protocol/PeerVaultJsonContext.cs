using System.Text.Json.Serialization;
using PeerVault.Node.Storage;

namespace PeerVault.Node.Protocol;

/// <summary>Source-generated JSON for everything PeerVault puts on the wire or on disk.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(PeerMessage))]
[JsonSerializable(typeof(StreamHeader))]
[JsonSerializable(typeof(IndexEntry))]
internal sealed partial class PeerVaultJsonContext : JsonSerializerContext;
