using System.Buffers;
using System.Text.Json;

namespace PeerVault.Node.Net.Rpc;

/// <summary>
/// The entry that ends a <see cref="ReplicateObject"/> stream, after the sealed bytes it names: the
/// <see cref="WireEntry"/> as JSON, read to the end of the stream. It is small; anything longer than
/// <see cref="MaxLength"/> bytes, or not an entry, is refused as malformed.
/// </summary>
public static class EntryTrailer
{
    public const int MaxLength = 16 * 1024;

    public static byte[] Encode(WireEntry entry) => JsonSerializer.SerializeToUtf8Bytes(entry, RpcJsonContext.Default.WireEntry);

    /// <summary>Reads the rest of <paramref name="stream"/> as an entry.</summary>
    public static async Task<WireEntry> ReadAsync(Stream stream, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var buffer = ArrayPool<byte>.Shared.Rent(MaxLength + 1);
        try
        {
            var length = await stream.ReadAtLeastAsync(buffer.AsMemory(0, MaxLength + 1), MaxLength + 1, throwOnEndOfStream: false, cancellationToken);
            if (length > MaxLength)
            {
                throw new PeerProtocolException(RejectReason.Malformed, $"A replica's entry is longer than {MaxLength} bytes.");
            }

            return Decode(buffer.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public static WireEntry Decode(ReadOnlySpan<byte> json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, RpcJsonContext.Default.WireEntry)
                ?? throw new PeerProtocolException(RejectReason.Malformed, "A replica's entry is empty.");
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException)
        {
            throw new PeerProtocolException(RejectReason.Malformed, $"A replica's entry is unreadable: {ex.Message}");
        }
    }
}
