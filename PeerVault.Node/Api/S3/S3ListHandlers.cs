using System.Globalization;
using System.Text;
using PeerVault.Node.Storage;

namespace PeerVault.Node.Api.S3;

/// <summary>
/// ListObjects (v1: marker) and ListObjectsV2 (continuation token, start-after): the bucket's keys
/// under a prefix in UTF-8 byte order, with keys that contain the delimiter after the prefix rolled
/// up into CommonPrefixes. Pages of the cluster-wide listing are walked in order; a common prefix
/// that outlasts a page is skipped by starting the next page past every key that has it.
/// </summary>
public sealed class S3ListHandlers(S3Store store)
{
    public const int MaxKeys = 1000;

    /// <summary>Sorts after every key that starts with a given prefix (no key continues with it).</summary>
    private const string PastPrefix = "\U0010FFFF\U0010FFFF";

    public async Task ListObjectsV2Async(S3Request request, S3Auth auth)
    {
        var bucket = request.Bucket!;
        await store.RequireBucketAsync(bucket, request.Context.RequestAborted);
        var token = request["continuation-token"];
        string? after = request["start-after"];
        var skipPrefix = false;
        if (token is not null)
        {
            (after, skipPrefix) = DecodeToken(token);
        }

        var query = Query(request);
        var page = await ListAsync(bucket, query, after, skipPrefix, request.Context.RequestAborted);
        var encode = query.UrlEncoded;
        var fetchOwner = string.Equals(request["fetch-owner"], "true", StringComparison.OrdinalIgnoreCase);
        await S3Xml.WriteAsync(request.Context, StatusCodes.Status200OK, "ListBucketResult", xml =>
        {
            xml.Element("Name", bucket);
            xml.Element("Prefix", Encode(query.Prefix, encode));
            xml.Element("KeyCount", page.Contents.Count + page.CommonPrefixes.Count);
            xml.Element("MaxKeys", query.MaxKeys);
            if (query.Delimiter.Length > 0)
            {
                xml.Element("Delimiter", Encode(query.Delimiter, encode));
            }

            xml.Element("IsTruncated", page.Truncated);
            xml.Element("ContinuationToken", token);
            xml.Element("StartAfter", request["start-after"] is { } startAfter ? Encode(startAfter, encode) : null);
            if (page.Truncated)
            {
                xml.Element("NextContinuationToken", EncodeToken(page.Last!, page.LastIsPrefix));
            }

            if (encode)
            {
                xml.Element("EncodingType", "url");
            }

            WriteContents(xml, bucket, page, encode, fetchOwner ? auth : null);
        });
    }

    public async Task ListObjectsAsync(S3Request request, S3Auth auth)
    {
        var bucket = request.Bucket!;
        await store.RequireBucketAsync(bucket, request.Context.RequestAborted);
        var query = Query(request);
        var marker = request["marker"];

        // A marker that is a common prefix continues after every key under it.
        var skipPrefix = marker is not null && query.Delimiter.Length > 0 && marker.EndsWith(query.Delimiter, StringComparison.Ordinal) && marker.StartsWith(query.Prefix, StringComparison.Ordinal);
        var page = await ListAsync(bucket, query, marker, skipPrefix, request.Context.RequestAborted);
        var encode = query.UrlEncoded;
        await S3Xml.WriteAsync(request.Context, StatusCodes.Status200OK, "ListBucketResult", xml =>
        {
            xml.Element("Name", bucket);
            xml.Element("Prefix", Encode(query.Prefix, encode));
            xml.Element("Marker", Encode(marker ?? string.Empty, encode));
            xml.Element("MaxKeys", query.MaxKeys);
            if (query.Delimiter.Length > 0)
            {
                xml.Element("Delimiter", Encode(query.Delimiter, encode));
            }

            xml.Element("IsTruncated", page.Truncated);
            if (page.Truncated && query.Delimiter.Length > 0)
            {
                xml.Element("NextMarker", Encode(page.Last!, encode));
            }

            if (encode)
            {
                xml.Element("EncodingType", "url");
            }

            WriteContents(xml, bucket, page, encode, auth);
        });
    }

    private static void WriteContents(System.Xml.XmlWriter xml, string bucket, ListPage page, bool encode, S3Auth? owner)
    {
        foreach (var entry in page.Contents)
        {
            xml.WriteStartElement("Contents");
            xml.Element("Key", Encode(S3Store.S3Key(bucket, entry.Key), encode));
            xml.Element("LastModified", S3Xml.Timestamp(entry.UpdatedAt));
            xml.Element("ETag", S3Headers.Quote(S3Store.ETagOf(entry)));
            xml.Element("Size", entry.Size);
            xml.Element("StorageClass", "STANDARD");
            if (owner is not null)
            {
                S3BucketHandlers.WriteOwner(xml, owner);
            }

            xml.WriteEndElement();
        }

        foreach (var prefix in page.CommonPrefixes)
        {
            xml.WriteStartElement("CommonPrefixes");
            xml.Element("Prefix", Encode(prefix, encode));
            xml.WriteEndElement();
        }
    }

    private static ListQuery Query(S3Request request)
    {
        var maxKeys = MaxKeys;
        if (request["max-keys"] is { } text && (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out maxKeys) || maxKeys < 0))
        {
            throw S3Errors.InvalidArgument("max-keys must be a whole number, 0 or more.");
        }

        var encoding = request["encoding-type"];
        if (encoding is not null && encoding != "url")
        {
            throw S3Errors.InvalidArgument("encoding-type may only be url.");
        }

        return new ListQuery(request["prefix"] ?? string.Empty, request["delimiter"] ?? string.Empty, Math.Min(maxKeys, MaxKeys), encoding == "url");
    }

    /// <summary>
    /// Up to <c>MaxKeys</c> keys and common prefixes after <paramref name="after"/> (an S3 key or,
    /// with <paramref name="skipPrefix"/>, a common prefix whose keys are all skipped).
    /// </summary>
    private async Task<ListPage> ListAsync(string bucket, ListQuery query, string? after, bool skipPrefix, CancellationToken cancellationToken)
    {
        var root = bucket + "/";
        var prefix = root + query.Prefix;
        string? cursor = after is null ? null : root + after + (skipPrefix ? PastPrefix : string.Empty);
        var contents = new List<IndexEntry>();
        var prefixes = new List<string>();
        string? last = null;
        var lastIsPrefix = false;
        if (query.MaxKeys == 0)
        {
            return new ListPage(contents, prefixes, false, null, false);
        }

        while (true)
        {
            var page = await store.PageAsync(prefix, cursor, MaxKeys, cancellationToken);
            string? seek = null;
            foreach (var entry in page.Entries)
            {
                var key = entry.Key[root.Length..];
                var rest = key.AsSpan(query.Prefix.Length);
                var at = query.Delimiter.Length == 0 ? -1 : rest.IndexOf(query.Delimiter, StringComparison.Ordinal);
                if (at >= 0)
                {
                    var common = key[..(query.Prefix.Length + at + query.Delimiter.Length)];
                    if (lastIsPrefix && common == last)
                    {
                        continue;
                    }

                    if (contents.Count + prefixes.Count == query.MaxKeys)
                    {
                        return new ListPage(contents, prefixes, true, last, lastIsPrefix);
                    }

                    prefixes.Add(common);
                    (last, lastIsPrefix) = (common, true);

                    // Every other key under this prefix is skipped: the next page starts past them all.
                    seek = root + common + PastPrefix;
                }
                else
                {
                    if (contents.Count + prefixes.Count == query.MaxKeys)
                    {
                        return new ListPage(contents, prefixes, true, last, lastIsPrefix);
                    }

                    contents.Add(entry);
                    (last, lastIsPrefix) = (key, false);
                    seek = null;
                }
            }

            if (page.Next is null)
            {
                return new ListPage(contents, prefixes, false, last, lastIsPrefix);
            }

            cursor = seek ?? page.Next;
        }
    }

    private static string Encode(string value, bool url) => url ? SigV4.UriEncode(value, encodeSlash: false) : value;

    private static string EncodeToken(string last, bool isPrefix)
        => Convert.ToBase64String(Encoding.UTF8.GetBytes((isPrefix ? "p" : "k") + last)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static (string After, bool SkipPrefix) DecodeToken(string token)
    {
        try
        {
            var base64 = token.Replace('-', '+').Replace('_', '/');
            base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(base64));
            if (text.Length > 1 && text[0] is 'p' or 'k')
            {
                return (text[1..], text[0] == 'p');
            }
        }
        catch (FormatException)
        {
        }

        throw S3Errors.InvalidArgument("The continuation token provided is incorrect.");
    }

    private sealed record ListQuery(string Prefix, string Delimiter, int MaxKeys, bool UrlEncoded);

    private sealed record ListPage(List<IndexEntry> Contents, List<string> CommonPrefixes, bool Truncated, string? Last, bool LastIsPrefix);
}
