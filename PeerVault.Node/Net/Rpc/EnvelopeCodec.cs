using System.Text.Json;

namespace PeerVault.Node.Net.Rpc;

/// <summary>
/// The peer message codec: an <see cref="Envelope"/> as the JSON payload of a message (0x01) or
/// stream header (0x02) frame. Anything that does not decode to an envelope is a protocol
/// violation (<see cref="PeerProtocolException"/>), never another exception.
/// </summary>
public static class EnvelopeCodec
{
    public static byte[] Encode(Envelope envelope)
        => JsonSerializer.SerializeToUtf8Bytes(envelope, RpcJsonContext.Default.Envelope);

    /// <summary>Decodes a frame's payload; <paramref name="frameType"/> only names the frame in the error.</summary>
    public static Envelope Decode(ReadOnlySpan<byte> payload, FrameType frameType)
    {
        Envelope envelope;
        try
        {
            envelope = JsonSerializer.Deserialize(payload, RpcJsonContext.Default.Envelope)
                ?? throw new PeerProtocolException(RejectReason.Malformed, $"Empty {frameType} frame.");
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException)
        {
            throw new PeerProtocolException(RejectReason.Malformed, $"Unreadable {frameType} frame: {ex.Message}");
        }

        return HasNullElement(envelope.Body)
            ? throw new PeerProtocolException(RejectReason.Malformed, $"{frameType} frame has a null in a list of {envelope.Body.GetType().Name}.")
            : envelope;
    }

    /// <summary>
    /// The JSON reader checks a member's own nullability but not a list's elements: every message
    /// with a list of references is checked here (the messages fuzz harness finds one that is not).
    /// </summary>
    private static bool HasNullElement(PeerMessage body) => body switch
    {
        ExchangeMembers exchange => exchange.Members.Any(m => m is null),
        MemberList list => list.Members.Any(m => m is null),
        KeyPage page => page.Entries.Any(e => e is null),
        ComparePartitions compare => compare.Digests.Any(d => d is null),
        CompareEntries compare => compare.Entries.Any(e => e is null),
        EntriesDiffer differ => differ.Newer.Any(e => e is null) || differ.Wanted.Any(k => k is null),
        _ => false,
    };
}
