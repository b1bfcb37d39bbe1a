using System.Globalization;
using PeerVault.Node.Cluster;
using PeerVault.Node.Storage;

namespace PeerVault.Node.Api.S3;

/// <summary>What a conditional or ranged GET decided once it knew the version it would serve.</summary>
public enum S3ReadVerdict
{
    Serve,
    NotModified,
    PreconditionFailed,
    InvalidRange,
}

/// <summary>
/// A GET or HEAD's destination: once the coordinator knows the version to serve, checks the
/// conditions (<c>If-Match</c>, <c>If-None-Match</c>, <c>If-Modified-Since</c>,
/// <c>If-Unmodified-Since</c>, with S3's precedence) and the range, writes S3's object headers and
/// the <c>response-*</c> overrides, and says which bytes to write. It never throws into the
/// coordinator: a refusal is a <see cref="Verdict"/> the handler answers once the read returns.
/// </summary>
internal sealed class S3ObjectSink(S3Request request) : IObjectSink
{
    public bool HasStarted => request.Context.Response.HasStarted;

    public S3ReadVerdict Verdict { get; private set; }

    public IndexEntry? Entry { get; private set; }

    public void Reset()
    {
        request.Context.Response.Headers.Clear();
        request.Context.Response.StatusCode = StatusCodes.Status200OK;
        Verdict = S3ReadVerdict.Serve;
        Entry = null;
    }

    public ObjectSinkTarget? Begin(IndexEntry entry, string servedBy)
    {
        Entry = entry;
        var response = request.Context.Response;
        Verdict = Evaluate(request, entry);
        if (Verdict is S3ReadVerdict.PreconditionFailed)
        {
            return null;
        }

        // A stored checksum is of the whole object: a range is answered without it, as S3 does.
        var checksums = string.Equals(request.Header("x-amz-checksum-mode"), "ENABLED", StringComparison.OrdinalIgnoreCase) && (HttpMethods.IsHead(request.Method) || !request.Http.Headers.ContainsKey("Range"));
        S3Headers.WriteObjectHeaders(response, entry, checksums);
        if (Verdict is S3ReadVerdict.NotModified)
        {
            return null;
        }

        ByteRange? range = null;
        if (request["partNumber"] is { } partNumber)
        {
            // Only a single-part object's part 1 (the whole object) is served by number.
            if (partNumber != "1" || entry.Metadata?.Parts is not null)
            {
                Verdict = S3ReadVerdict.InvalidRange;
                return null;
            }

            response.Headers["x-amz-mp-parts-count"] = "1";
        }
        else if (!HttpMethods.IsHead(request.Method))
        {
            // A HEAD describes the whole object whatever Range it carries (MinIO's SDK sends its
            // GET's Range on the HEAD before it, and fails on a 206).
            range = ByteRange.From(request.Http, entry.Size);
        }

        if (range is { Satisfiable: false })
        {
            Verdict = S3ReadVerdict.InvalidRange;
            response.Headers.ContentRange = $"bytes */{entry.Size}";
            return null;
        }

        S3Headers.ApplyResponseOverrides(request, response);
        if (range is { } partial)
        {
            response.StatusCode = StatusCodes.Status206PartialContent;
            response.Headers.ContentRange = $"bytes {partial.Start}-{partial.Start + partial.Length - 1}/{entry.Size}";
        }

        response.ContentLength = range?.Length ?? entry.Size;
        if (HttpMethods.IsHead(request.Method))
        {
            return null;
        }

        return range is { } part
            ? new ObjectSinkTarget(response.Body, part.Start, part.Length, WholeObject: false)
            : new ObjectSinkTarget(response.Body, 0, entry.Size, WholeObject: true);
    }

    /// <summary>
    /// S3's order: If-Match (then If-Unmodified-Since only without it) may fail the request with
    /// 412; If-None-Match (then If-Modified-Since only without it) may answer 304.
    /// </summary>
    public static S3ReadVerdict Evaluate(S3Request request, IndexEntry entry, string prefix = "")
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(entry);
        var etag = S3Store.ETagOf(entry);
        var modified = TruncateToSeconds(entry.UpdatedAt);
        var ifMatch = request.Header(prefix + "If-Match");
        if (ifMatch is not null)
        {
            if (!Matches(ifMatch, etag))
            {
                return S3ReadVerdict.PreconditionFailed;
            }
        }
        else if (Date(request.Header(prefix + "If-Unmodified-Since")) is { } unmodifiedSince && modified > unmodifiedSince)
        {
            return S3ReadVerdict.PreconditionFailed;
        }

        var ifNoneMatch = request.Header(prefix + "If-None-Match");
        if (ifNoneMatch is not null)
        {
            if (Matches(ifNoneMatch, etag))
            {
                return prefix.Length == 0 ? S3ReadVerdict.NotModified : S3ReadVerdict.PreconditionFailed;
            }
        }
        else if (Date(request.Header(prefix + "If-Modified-Since")) is { } modifiedSince && modified <= modifiedSince)
        {
            return prefix.Length == 0 ? S3ReadVerdict.NotModified : S3ReadVerdict.PreconditionFailed;
        }

        return S3ReadVerdict.Serve;
    }

    private static bool Matches(string header, string etag)
        => header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Any(candidate => candidate == "*" || string.Equals(S3Headers.Unquote(candidate), etag, StringComparison.Ordinal));

    private static DateTimeOffset? Date(string? header)
        => header is not null && DateTimeOffset.TryParse(header, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var date) ? date : null;

    private static DateTimeOffset TruncateToSeconds(DateTimeOffset time) => new(time.Ticks - (time.Ticks % TimeSpan.TicksPerSecond), time.Offset);
}
