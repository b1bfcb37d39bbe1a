using System.Buffers;
using System.Text;
using Microsoft.AspNetCore.Http.Features;

namespace PeerVault.Node.Api.S3;

/// <summary>
/// An S3 request as the layer reads it: the bucket (from the path, or from the host in
/// virtual-hosted style), the key (the rest of the path, percent-decoded once to UTF-8, never
/// normalised by routing), the decoded query parameters in order, and the raw path bytes the
/// signature covers.
/// </summary>
public sealed class S3Request
{
    private S3Request(HttpContext context, byte[] pathBytes, List<KeyValuePair<string, string>> query, string? bucket, string? key)
    {
        Context = context;
        PathBytes = pathBytes;
        Query = query;
        Bucket = bucket;
        Key = key;
    }

    public HttpContext Context { get; }

    public HttpRequest Http => Context.Request;

    public string Method => Context.Request.Method;

    /// <summary>The path, percent-decoded to bytes (what the canonical URI encodes again).</summary>
    public byte[] PathBytes { get; }

    /// <summary>Query parameters in the order sent, names and values decoded (<c>+</c> is a space).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Query { get; }

    public string? Bucket { get; }

    /// <summary>The object key as the client named it (before PeerVault's key rule); null or empty: none.</summary>
    public string? Key { get; }

    public bool HasKey => !string.IsNullOrEmpty(Key);

    public bool Has(string parameter) => Query.Any(p => string.Equals(p.Key, parameter, StringComparison.Ordinal));

    public string? this[string parameter]
    {
        get
        {
            foreach (var (name, value) in Query)
            {
                if (string.Equals(name, parameter, StringComparison.Ordinal))
                {
                    return value;
                }
            }

            return null;
        }
    }

    public string? Header(string name) => Context.Request.Headers.TryGetValue(name, out var values) && values.Count > 0 ? values.ToString() : null;

    /// <summary>Reads the request's target; <paramref name="domains"/> are the virtual-hosted-style host suffixes.</summary>
    public static S3Request Parse(HttpContext context, IReadOnlyList<string> domains)
    {
        ArgumentNullException.ThrowIfNull(context);
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? (context.Request.Path.ToUriComponent() + context.Request.QueryString.ToUriComponent());
        if (raw.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || raw.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            // Absolute form (a proxy's): only the path and query matter.
            var start = raw.IndexOf('/', raw.IndexOf("//", StringComparison.Ordinal) + 2);
            raw = start < 0 ? "/" : raw[start..];
        }

        var question = raw.IndexOf('?', StringComparison.Ordinal);
        var rawPath = question < 0 ? raw : raw[..question];
        var rawQuery = question < 0 ? string.Empty : raw[(question + 1)..];
        var pathBytes = PercentDecode(rawPath, plusIsSpace: false) ?? throw S3Errors.InvalidArgument("The request path has a malformed percent-escape.");
        var query = ParseQuery(rawQuery);

        var hostBucket = BucketFromHost(context.Request.Host.Host, domains);
        var path = pathBytes.AsSpan();
        if (path.Length > 0 && path[0] == '/')
        {
            path = path[1..];
        }

        string? bucket;
        string? key;
        if (hostBucket is not null)
        {
            bucket = hostBucket;
            key = Utf8(path);
        }
        else
        {
            var slash = path.IndexOf((byte)'/');
            bucket = slash < 0 ? Utf8(path) : Utf8(path[..slash]);
            key = slash < 0 ? null : Utf8(path[(slash + 1)..]);
            if (bucket.Length == 0)
            {
                bucket = null;
            }
        }

        return new S3Request(context, pathBytes, query, bucket, key);
    }

    /// <summary>The first label of a host under one of <paramref name="domains"/>, else null (path style).</summary>
    public static string? BucketFromHost(string host, IReadOnlyList<string> domains)
    {
        foreach (var domain in domains)
        {
            if (host.Length > domain.Length + 1 && host.EndsWith(domain, StringComparison.OrdinalIgnoreCase) && host[^(domain.Length + 1)] == '.')
            {
                return host[..^(domain.Length + 1)];
            }
        }

        return null;
    }

    /// <summary>Query parameters decoded (<c>+</c> as a space, as form encoding and S3 read it).</summary>
    public static List<KeyValuePair<string, string>> ParseQuery(string rawQuery)
    {
        var query = new List<KeyValuePair<string, string>>();
        foreach (var part in rawQuery.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            var name = equals < 0 ? part : part[..equals];
            var value = equals < 0 ? string.Empty : part[(equals + 1)..];
            var decodedName = PercentDecode(name, plusIsSpace: true);
            var decodedValue = PercentDecode(value, plusIsSpace: true);
            if (decodedName is null || decodedValue is null)
            {
                throw S3Errors.InvalidArgument("The query string has a malformed percent-escape.");
            }

            query.Add(new(Utf8(decodedName), Utf8(decodedValue)));
        }

        return query;
    }

    /// <summary>Percent-decodes to bytes; null for a malformed escape or a non-ASCII character.</summary>
    public static byte[]? PercentDecode(string encoded, bool plusIsSpace)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(1, encoded.Length));
        try
        {
            var length = 0;
            for (var i = 0; i < encoded.Length; i++)
            {
                var c = encoded[i];
                if (c == '%')
                {
                    if (i + 2 >= encoded.Length || !char.IsAsciiHexDigit(encoded[i + 1]) || !char.IsAsciiHexDigit(encoded[i + 2]))
                    {
                        return null;
                    }

                    buffer[length++] = (byte)((Convert.FromHexString(encoded.AsSpan(i + 1, 2))[0]));
                    i += 2;
                }
                else if (c > 0x7F)
                {
                    return null;
                }
                else
                {
                    buffer[length++] = plusIsSpace && c == '+' ? (byte)' ' : (byte)c;
                }
            }

            return buffer.AsSpan(0, length).ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Strict: a name that is not UTF-8 is refused, never turned into another name.</summary>
    private static string Utf8(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw S3Errors.InvalidArgument("The request names something that is not valid UTF-8.");
        }
    }
}
