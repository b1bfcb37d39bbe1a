using System.Text.Json.Serialization;

namespace PeerVault.Node.Net.Rpc;

/// <summary>
/// What a message (frame type 0x01) or a stream header (0x02) carries: an id (a request's, or a
/// stream's), the id of the request it answers, the W3C trace context of the sender's span, and the
/// typed body.
/// </summary>
public sealed record Envelope(long Id, long ReplyTo, string? TraceParent, string? TraceState, PeerMessage Body);

/// <summary>Source-generated JSON for everything on the peer wire.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(Envelope))]
internal sealed partial class RpcJsonContext : JsonSerializerContext;
