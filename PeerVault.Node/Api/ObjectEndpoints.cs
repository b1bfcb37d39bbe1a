using Microsoft.AspNetCore.Http.Features;
using PeerVault.Node.Cluster;
using PeerVault.Node.Diagnostics;
using PeerVault.Node.Hosting;
using PeerVault.Node.Storage;

namespace PeerVault.Node.Api;

/// <summary>
/// <c>/v1/objects</c>: PUT stores (streamed) and replicates, GET/HEAD read locally or from a peer,
/// DELETE writes a tombstone everywhere, and the bare path lists what this node knows.
/// </summary>
public static partial class ObjectEndpoints
{
    public static IEndpointRouteBuilder MapObjectEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPut("/v1/objects/{**key}", PutAsync);
        app.MapMethods("/v1/objects/{**key}", [HttpMethods.Get, HttpMethods.Head], GetAsync);
        app.MapDelete("/v1/objects/{**key}", DeleteAsync);
        app.MapGet("/v1/objects", List);
        return app;
    }

    private static async Task<IResult> PutAsync(HttpContext context, ObjectStore store, Replicator replicator, PeerManager peers, NodeSettings settings, NodeTracing tracing, NodeMetrics metrics, ILogger<ObjectStore> logger)
    {
        if (!RawObjectKey.TryRead(context, out var key, out var error))
        {
            return BadKey(error);
        }

        using var activity = tracing.StartOperation("PutObject", key);

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = settings.MaxObjectBytes;
        }

        if (context.Request.ContentLength > settings.MaxObjectBytes)
        {
            return TooLarge(settings.MaxObjectBytes);
        }

        IndexEntry entry;
        try
        {
            entry = await store.PutAsync(key, context.Request.Body, context.RequestAborted);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge(settings.MaxObjectBytes);
        }
        catch (IOException ex) when (StorageErrors.IsDiskFull(ex))
        {
            LogDiskFull(logger, key, ex.Message);
            return Results.Problem($"The node's disk is full; '{key}' was not stored and nothing was changed.", statusCode: StatusCodes.Status507InsufficientStorage, title: "Insufficient storage");
        }
        catch (Exception ex) when (context.RequestAborted.IsCancellationRequested || ex is BadHttpRequestException)
        {
            // The client went away or sent a broken body; the partial blob was discarded.
            LogUploadAborted(logger, key, ex.Message);
            return Results.BadRequest();
        }

        metrics.Stored(entry.Size);
        metrics.ObjectStored("client");
        activity?.SetTag("peervault.object_id", entry.BlobId);
        activity?.SetTag("peervault.bytes", entry.Size);
        var required = Math.Min(settings.WriteQuorum - 1, peers.ExpectedPeerCount);
        var result = await replicator.ReplicateAsync(entry, required, context.RequestAborted);
        activity?.SetTag("peervault.replicas", result.Replicas.Count + 1);
        var stored = new StoredObject(key, entry.BlobId!, entry.Size, entry.Version, [settings.Identity.Name, .. result.Replicas], result.Failures.Count > 0 ? result.Failures : null);
        if (result.Replicas.Count < required)
        {
            activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, "write quorum not reached");
            return Results.Json(
                stored with { Error = $"Stored on {stored.Replicas.Count} node(s) but {required + 1} are required; the object is kept and will be readable, but is not yet durable on enough nodes." },
                ApiJsonContext.Default.StoredObject,
                statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        return Results.Json(stored, ApiJsonContext.Default.StoredObject, statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> GetAsync(HttpContext context, ObjectStore store, Replicator replicator, NodeTracing tracing, NodeMetrics metrics, ILogger<ObjectStore> logger)
    {
        if (!RawObjectKey.TryRead(context, out var key, out var error))
        {
            return BadKey(error);
        }

        using var activity = tracing.StartOperation(HttpMethods.IsHead(context.Request.Method) ? "HeadObject" : "GetObject", key);
        var corrupt = new List<string>();
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var servedBy = "local";
            if (!store.TryGetLocal(key, out var entry))
            {
                if (store.Index.TryGet(key, out var known) && known.Deleted)
                {
                    return NotFound(key);
                }

                var fetched = await replicator.FetchAsync(key, context.RequestAborted);
                corrupt.AddRange(fetched.CorruptCopies);
                if (!fetched.Found)
                {
                    break;
                }

                (entry, servedBy) = (fetched.Entry!, fetched.Peer!);
            }

            activity?.SetTag("peervault.object_id", entry.BlobId);
            activity?.SetTag("peervault.served_by", servedBy);
            var response = context.Response;
            response.ContentType = "application/octet-stream";
            response.Headers.ETag = $"\"{entry.BlobId}\"";
            response.Headers.AcceptRanges = "bytes";
            response.Headers["X-PeerVault-Object-Id"] = entry.BlobId;
            response.Headers["X-PeerVault-Served-By"] = servedBy;
            var range = ByteRange.From(context.Request, entry.Size);
            if (range is { Satisfiable: false })
            {
                response.Headers.ContentRange = $"bytes */{entry.Size}";
                return Results.StatusCode(StatusCodes.Status416RangeNotSatisfiable);
            }

            if (range is { } partial)
            {
                response.StatusCode = StatusCodes.Status206PartialContent;
                response.Headers.ContentRange = $"bytes {partial.Start}-{partial.Start + partial.Length - 1}/{entry.Size}";
            }

            response.ContentLength = range?.Length ?? entry.Size;
            activity?.SetTag("peervault.bytes", response.ContentLength);
            if (HttpMethods.IsHead(context.Request.Method))
            {
                return Results.Empty;
            }

            try
            {
                metrics.Served(range is { } part
                    ? await store.ReadRangeAsync(entry, part.Start, part.Length, response.Body, context.RequestAborted)
                    : await store.ReadAsync(entry, response.Body, context.RequestAborted));
                return Results.Empty;
            }
            catch (ObjectIntegrityException ex)
            {
                store.Quarantine(entry, ex);
                corrupt.Add($"{servedBy}: {ex.Message}");
                NodeTracing.Fail(activity, ex);
                if (response.HasStarted)
                {
                    // Part of the body is out; cutting the connection is the only honest signal left.
                    context.Abort();
                    return Results.Empty;
                }

                // Nothing sent yet: try a peer's copy (which also repairs this node's).
                response.Headers.Clear();
                LogRefetching(logger, key);
            }
        }

        if (corrupt.Count == 0)
        {
            return NotFound(key);
        }

        activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, "no intact copy");
        return Results.Problem(
            $"Every copy of '{key}' this node could reach failed verification: {string.Join("; ", corrupt)}",
            statusCode: StatusCodes.Status502BadGateway,
            title: "Integrity failure");
    }

    private static async Task<IResult> DeleteAsync(HttpContext context, ObjectStore store, Replicator replicator, NodeSettings settings, NodeTracing tracing)
    {
        if (!RawObjectKey.TryRead(context, out var key, out var error))
        {
            return BadKey(error);
        }

        using var activity = tracing.StartOperation("DeleteObject", key);
        if (store.Delete(key) is not { } tombstone)
        {
            return NotFound(key);
        }

        var acknowledged = await replicator.BroadcastDeleteAsync(tombstone, context.RequestAborted);
        return Results.Json(new DeletedObject(key, tombstone.Version, [settings.Identity.Name, .. acknowledged]), ApiJsonContext.Default.DeletedObject);
    }

    private static IResult List(ObjectStore store, string? prefix)
    {
        var objects = store.Index.Snapshot()
            .Where(e => !e.Deleted && (prefix is null || e.Key.StartsWith(prefix, StringComparison.Ordinal)))
            .OrderBy(e => e.Key, StringComparer.Ordinal)
            .Select(e => new ObjectSummary(e.Key, e.BlobId!, e.Size, e.Version, e.Origin, e.UpdatedAt))
            .ToList();
        return Results.Json(new ObjectListing(objects), ApiJsonContext.Default.ObjectListing);
    }

    private static IResult BadKey(string error)
        => Results.Problem(error, statusCode: StatusCodes.Status400BadRequest, title: "Invalid object key");

    private static IResult NotFound(string key)
        => Results.Problem($"No object with key '{key}'.", statusCode: StatusCodes.Status404NotFound, title: "Not found");

    private static IResult TooLarge(long limit)
        => Results.Problem($"Objects are at most {limit} bytes on this node ({NodeSettings.MaxObjectBytesVariable}); nothing was stored.", statusCode: StatusCodes.Status413PayloadTooLarge, title: "Object too large");

    [LoggerMessage(Level = LogLevel.Error, Message = "Disk full while storing {Key}: {Error}")]
    private static partial void LogDiskFull(ILogger logger, string key, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Upload of {Key} did not complete ({Error}); nothing was stored")]
    private static partial void LogUploadAborted(ILogger logger, string key, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Local copy of {Key} failed verification; fetching a peer's copy")]
    private static partial void LogRefetching(ILogger logger, string key);
}
