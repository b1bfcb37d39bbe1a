using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace PeerVault.Node.Api.S3;

/// <summary>
/// AWS Signature Version 4, the parts both sides compute: the canonical request, the string to
/// sign, the signing key and the signatures of aws-chunked payload chunks and trailers. S3's
/// variant: the canonical URI is the path's bytes encoded once (no normalisation, no double
/// encoding), the query is sorted by encoded name then value.
/// </summary>
public static class SigV4
{
    public const string Algorithm = "AWS4-HMAC-SHA256";
    public const string ChunkAlgorithm = "AWS4-HMAC-SHA256-PAYLOAD";
    public const string TrailerAlgorithm = "AWS4-HMAC-SHA256-TRAILER";
    public const string UnsignedPayload = "UNSIGNED-PAYLOAD";
    public const string StreamingSigned = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
    public const string StreamingSignedTrailer = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";
    public const string StreamingUnsignedTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";
    public const string EmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    public const string DateFormat = "yyyyMMdd'T'HHmmss'Z'";
    public const string Terminator = "aws4_request";

    /// <summary>
    /// AWS's URI encoding: every byte but the unreserved <c>A-Z a-z 0-9 - _ . ~</c> as <c>%XY</c>
    /// (upper-case hex); <c>/</c> kept unless <paramref name="encodeSlash"/>.
    /// </summary>
    public static string UriEncode(ReadOnlySpan<byte> bytes, bool encodeSlash)
    {
        var builder = new StringBuilder(bytes.Length + 16);
        foreach (var b in bytes)
        {
            if (char.IsAsciiLetterOrDigit((char)b) || b is (byte)'-' or (byte)'_' or (byte)'.' or (byte)'~' || (b == '/' && !encodeSlash))
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append('%').Append(HexUpper[b >> 4]).Append(HexUpper[b & 15]);
            }
        }

        return builder.ToString();
    }

    public static string UriEncode(string text, bool encodeSlash) => UriEncode(Encoding.UTF8.GetBytes(text), encodeSlash);

    /// <summary>The canonical query string of decoded <paramref name="parameters"/>, leaving out <paramref name="exclude"/> (a presigned URL's signature).</summary>
    public static string CanonicalQuery(IEnumerable<KeyValuePair<string, string>> parameters, string? exclude = null)
    {
        var encoded = parameters
            .Where(p => exclude is null || !string.Equals(p.Key, exclude, StringComparison.Ordinal))
            .Select(p => (Name: UriEncode(p.Key, encodeSlash: true), Value: UriEncode(p.Value, encodeSlash: true)))
            .OrderBy(p => p.Name, StringComparer.Ordinal)
            .ThenBy(p => p.Value, StringComparer.Ordinal);
        return string.Join('&', encoded.Select(p => $"{p.Name}={p.Value}"));
    }

    /// <summary>A header value as signed: trimmed, runs of spaces collapsed to one.</summary>
    public static string CanonicalHeaderValue(string value)
    {
        var builder = new StringBuilder(value.Length);
        var space = false;
        foreach (var c in value.AsSpan().Trim())
        {
            if (c is ' ' or '\t')
            {
                space = true;
                continue;
            }

            if (space && builder.Length > 0)
            {
                builder.Append(' ');
            }

            space = false;
            builder.Append(c);
        }

        return builder.ToString();
    }

    /// <summary>
    /// <c>METHOD\nURI\nQUERY\nname:value\n…\n\nsigned;headers\npayload</c>; <paramref name="headers"/>
    /// are the signed headers, lower-case, in <paramref name="signedHeaders"/>' order, values canonical.
    /// </summary>
    public static string CanonicalRequest(string method, string canonicalUri, string canonicalQuery, IEnumerable<KeyValuePair<string, string>> headers, string signedHeaders, string payloadHash)
    {
        var builder = new StringBuilder(512);
        builder.Append(method).Append('\n').Append(canonicalUri).Append('\n').Append(canonicalQuery).Append('\n');
        foreach (var (name, value) in headers)
        {
            builder.Append(name).Append(':').Append(value).Append('\n');
        }

        return builder.Append('\n').Append(signedHeaders).Append('\n').Append(payloadHash).ToString();
    }

    public static string Scope(string date, string region, string service = "s3") => $"{date}/{region}/{service}/{Terminator}";

    public static string StringToSign(string amzDate, string scope, string canonicalRequest)
        => $"{Algorithm}\n{amzDate}\n{scope}\n{Sha256Hex(canonicalRequest)}";

    /// <summary>What signs one aws-chunked chunk: chained to the previous chunk's (or the seed) signature.</summary>
    public static string ChunkStringToSign(string amzDate, string scope, string previousSignature, string chunkSha256Hex)
        => $"{ChunkAlgorithm}\n{amzDate}\n{scope}\n{previousSignature}\n{EmptySha256}\n{chunkSha256Hex}";

    /// <summary>What signs the trailer: the SHA-256 of its lines, each <c>name:value\n</c>.</summary>
    public static string TrailerStringToSign(string amzDate, string scope, string previousSignature, string trailerSha256Hex)
        => $"{TrailerAlgorithm}\n{amzDate}\n{scope}\n{previousSignature}\n{trailerSha256Hex}";

    /// <summary><c>HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")</c>.</summary>
    public static byte[] SigningKey(string secret, string date, string region, string service = "s3")
    {
        var key = HMACSHA256.HashData(Encoding.UTF8.GetBytes("AWS4" + secret), Encoding.UTF8.GetBytes(date));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(region));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(service));
        return HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(Terminator));
    }

    /// <summary>The hex signature of <paramref name="stringToSign"/>.</summary>
    public static string Sign(byte[] signingKey, string stringToSign)
        => Convert.ToHexStringLower(HMACSHA256.HashData(signingKey, Encoding.UTF8.GetBytes(stringToSign)));

    public static string Sha256Hex(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    /// <summary>Compares two hex signatures in constant time (case-insensitively).</summary>
    public static bool SignaturesEqual(string expected, string presented)
        => expected.Length == presented.Length
           && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(presented.ToLowerInvariant()));

    public static bool TryParseDate(string? text, out DateTimeOffset date)
        => DateTimeOffset.TryParseExact(text, DateFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out date);

    public static string FormatDate(DateTimeOffset date) => date.UtcDateTime.ToString(DateFormat, CultureInfo.InvariantCulture);

    private const string HexUpper = "0123456789ABCDEF";
}
