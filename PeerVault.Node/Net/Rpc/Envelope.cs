using System.Text.Json.Serialization;

namespace PeerVault.Node.Net.Rpc;

/// <summary>
/// What a message (frame type 0x01) or a stream header (0x02) carries: an id (a request's, or a
/// stream's), the id of the request it answers, the W3C trace context of the sender's span, and the
/// typed body.
/// </summary>
public sealed record Envelope(long Id, long ReplyTo, string? TraceParent, string? TraceState, PeerMessage Body);

/// <summary>
/// Source-generated JSON for everything on the peer wire. Every member is always written (null
/// included) and required on reading, and null is accepted only where the type allows it: a
/// message missing a field, or with null where the receiver expects a value, is refused as
/// malformed instead of reaching code that would dereference it.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(Envelope))]
[JsonSerializable(typeof(WireEntry))]
internal sealed partial class RpcJsonContext : JsonSerializerContext;
