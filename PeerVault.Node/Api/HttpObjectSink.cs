using PeerVault.Node.Cluster;
using PeerVault.Node.Storage;

namespace PeerVault.Node.Api;

/// <summary>
/// A read's destination when it is an HTTP response: sets the headers (length, ETag, version, who
/// served it, Range answers) once the version to serve is known, and says which bytes to write.
/// </summary>
internal sealed class HttpObjectSink(HttpContext context) : IObjectSink
{
    public bool HasStarted => context.Response.HasStarted;

    /// <summary>Set when the Range header asked for bytes past the end (the endpoint answers 416).</summary>
    public long? UnsatisfiableSize { get; private set; }

    public void Reset()
    {
        context.Response.Headers.Clear();
        context.Response.StatusCode = StatusCodes.Status200OK;
        UnsatisfiableSize = null;
    }

    public ObjectSinkTarget? Begin(IndexEntry entry, string servedBy)
    {
        var response = context.Response;
        // What the writer said the content is, and the S3 ETag (an MD5) when it has one.
        response.ContentType = entry.Metadata?.ContentType ?? "application/octet-stream";
        response.Headers.ETag = $"\"{entry.Metadata?.ETag ?? entry.BlobId}\"";
        response.Headers.AcceptRanges = "bytes";
        response.Headers[PeerVaultHeaders.ObjectId] = entry.BlobId;
        response.Headers[PeerVaultHeaders.Version] = entry.Version.ToString();
        response.Headers[PeerVaultHeaders.ServedBy] = servedBy;
        var range = ByteRange.From(context.Request, entry.Size);
        if (range is { Satisfiable: false })
        {
            UnsatisfiableSize = entry.Size;
            return null;
        }

        if (range is { } partial)
        {
            response.StatusCode = StatusCodes.Status206PartialContent;
            response.Headers.ContentRange = $"bytes {partial.Start}-{partial.Start + partial.Length - 1}/{entry.Size}";
        }

        response.ContentLength = range?.Length ?? entry.Size;
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return null;
        }

        return range is { } part
            ? new ObjectSinkTarget(response.Body, part.Start, part.Length, WholeObject: false)
            : new ObjectSinkTarget(response.Body, 0, entry.Size, WholeObject: true);
    }
}
