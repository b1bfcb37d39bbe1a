using System.Buffers;
using Microsoft.AspNetCore.Http.Features;
using PeerVault.Node.Storage;

namespace PeerVault.Node.Api;

/// <summary>
/// Reads the object key from the request's raw target rather than the routing value, because
/// routing has already turned invalid UTF-8 into U+FFFD and would let a bad key through as a
/// different key. Percent-escapes are decoded to bytes and the bytes must be strict UTF-8.
/// </summary>
internal static class RawObjectKey
{
    public const string Prefix = "/v1/objects/";

    public static bool TryRead(HttpContext context, out string key, out string error) => TryRead(context, Prefix, out key, out error);

    /// <summary>Reads the key that follows <paramref name="prefix"/> in the request's raw target.</summary>
    public static bool TryRead(HttpContext context, string prefix, out string key, out string error)
    {
        ArgumentNullException.ThrowIfNull(context);
        key = string.Empty;
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.ToUriComponent();
        var query = raw.IndexOf('?', StringComparison.Ordinal);
        if (query >= 0)
        {
            raw = raw[..query];
        }

        var start = raw.IndexOf(prefix, StringComparison.Ordinal);
        if (start < 0)
        {
            error = $"Object URLs have the form {prefix}{{key}}.";
            return false;
        }

        var encoded = raw.AsSpan(start + prefix.Length);
        var bytes = ArrayPool<byte>.Shared.Rent(encoded.Length);
        try
        {
            if (!TryPercentDecode(encoded, bytes, out var length))
            {
                error = "Key has a malformed percent-escape.";
                return false;
            }

            return ObjectKey.TryDecode(bytes.AsSpan(0, length), out key, out error);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    private static bool TryPercentDecode(ReadOnlySpan<char> encoded, Span<byte> output, out int length)
    {
        length = 0;
        for (var i = 0; i < encoded.Length; i++)
        {
            var c = encoded[i];
            if (c == '%')
            {
                if (i + 2 >= encoded.Length || !char.IsAsciiHexDigit(encoded[i + 1]) || !char.IsAsciiHexDigit(encoded[i + 2]))
                {
                    return false;
                }

                output[length++] = (byte)((HexValue(encoded[i + 1]) << 4) | HexValue(encoded[i + 2]));
                i += 2;
            }
            else if (c > 0x7F)
            {
                // Kestrel only hands over ASCII in the raw target.
                return false;
            }
            else
            {
                output[length++] = (byte)c;
            }
        }

        return true;
    }

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
