using System.Globalization;
using System.Text;
using PeerVault.Node.Storage;

namespace PeerVault.Node.Api.S3;

/// <summary>
/// S3's object headers both ways: what a PUT (or CreateMultipartUpload, or a CopyObject that
/// replaces metadata) says about the object, kept as <see cref="ObjectMetadata"/>; and what a GET
/// or HEAD answers with, from the entry.
/// </summary>
public static class S3Headers
{
    public const string UserMetadataPrefix = "x-amz-meta-";

    /// <summary>S3's limit on user metadata: names and values together.</summary>
    public const int MaxUserMetadataBytes = 2048;

    /// <summary>The representation headers and <c>x-amz-meta-*</c> of a request (ETag and checksums are added once the bytes are read).</summary>
    public static ObjectMetadata FromRequest(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        Dictionary<string, string>? user = null;
        var userBytes = 0;
        foreach (var (name, values) in request.Headers)
        {
            if (name.StartsWith(UserMetadataPrefix, StringComparison.OrdinalIgnoreCase) && name.Length > UserMetadataPrefix.Length)
            {
                var key = name[UserMetadataPrefix.Length..].ToLowerInvariant();
                var value = values.ToString();
                user ??= new Dictionary<string, string>(StringComparer.Ordinal);
                user[key] = value;
                userBytes += Encoding.UTF8.GetByteCount(key) + Encoding.UTF8.GetByteCount(value);
            }
        }

        if (userBytes > MaxUserMetadataBytes)
        {
            throw S3Errors.MetadataTooLarge();
        }

        var metadata = new ObjectMetadata
        {
            ContentType = Value(request, "Content-Type"),
            ContentEncoding = WithoutAwsChunked(Value(request, "Content-Encoding")),
            ContentDisposition = Value(request, "Content-Disposition"),
            ContentLanguage = Value(request, "Content-Language"),
            CacheControl = Value(request, "Cache-Control"),
            Expires = Value(request, "Expires"),
            User = user,
        };
        return metadata.FitsLimit(out _) ? metadata : throw S3Errors.MetadataTooLarge();
    }

    /// <summary>Headers of a stored object (GET, HEAD, and the 304 of a conditional GET).</summary>
    public static void WriteObjectHeaders(HttpResponse response, IndexEntry entry, bool checksums)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(entry);
        var metadata = entry.Metadata;
        var headers = response.Headers;
        headers.ETag = Quote(S3Store.ETagOf(entry));
        headers.LastModified = entry.UpdatedAt.ToString("R", CultureInfo.InvariantCulture);
        headers.AcceptRanges = "bytes";
        response.ContentType = metadata?.ContentType ?? "binary/octet-stream";
        Set(headers, "Content-Encoding", metadata?.ContentEncoding);
        Set(headers, "Content-Disposition", metadata?.ContentDisposition);
        Set(headers, "Content-Language", metadata?.ContentLanguage);
        Set(headers, "Cache-Control", metadata?.CacheControl);
        Set(headers, "Expires", metadata?.Expires);
        if (metadata?.User is { } user)
        {
            foreach (var (name, value) in user)
            {
                headers[UserMetadataPrefix + name] = value;
            }
        }

        if (checksums && metadata?.Checksums is { } stored)
        {
            foreach (var (algorithm, value) in stored)
            {
                headers[S3ChecksumAlgorithms.Header(algorithm)] = value;
            }

            headers["x-amz-checksum-type"] = metadata.Parts is null ? "FULL_OBJECT" : "COMPOSITE";
        }
    }

    /// <summary><c>response-content-type</c> and its siblings of a GET override the stored headers.</summary>
    public static void ApplyResponseOverrides(S3Request request, HttpResponse response)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(response);
        Override("response-content-type", "Content-Type");
        Override("response-content-language", "Content-Language");
        Override("response-expires", "Expires");
        Override("response-cache-control", "Cache-Control");
        Override("response-content-disposition", "Content-Disposition");
        Override("response-content-encoding", "Content-Encoding");

        void Override(string parameter, string header)
        {
            if (request[parameter] is { } value)
            {
                response.Headers[header] = value;
            }
        }
    }

    public static string Quote(string etag) => $"\"{etag}\"";

    /// <summary>An ETag as a client sent it (quoted or not, weak or not) without its quotes.</summary>
    public static string Unquote(string etag)
    {
        var trimmed = etag.Trim();
        if (trimmed.StartsWith("W/", StringComparison.Ordinal))
        {
            trimmed = trimmed[2..];
        }

        return trimmed.Trim('"');
    }

    private static string? Value(HttpRequest request, string name)
        => request.Headers.TryGetValue(name, out var values) && values.Count > 0 && values.ToString() is { Length: > 0 } value ? value : null;

    /// <summary><c>aws-chunked</c> describes the transfer, not the object: S3 does not keep it.</summary>
    private static string? WithoutAwsChunked(string? encoding)
    {
        if (encoding is null)
        {
            return null;
        }

        var kept = encoding.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Where(e => !string.Equals(e, "aws-chunked", StringComparison.OrdinalIgnoreCase));
        var joined = string.Join(',', kept);
        return joined.Length == 0 ? null : joined;
    }

    private static void Set(IHeaderDictionary headers, string name, string? value)
    {
        if (value is not null)
        {
            headers[name] = value;
        }
    }
}
