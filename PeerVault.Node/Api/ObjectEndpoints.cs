using System.Globalization;
using Microsoft.AspNetCore.Http.Features;
using PeerVault.Node.Cluster;
using PeerVault.Node.Cluster.Placement;
using PeerVault.Node.Storage;

namespace PeerVault.Node.Api;

/// <summary>
/// <c>/v1/objects</c>: translates HTTP to the <see cref="ObjectCoordinator"/> and its answers back
/// to status codes, headers and problem details. PUT stores (streamed), GET/HEAD read (Range
/// supported), DELETE writes a tombstone, the bare path lists; <c>/v1/placement/{key}</c> says
/// which nodes hold a key. No cluster logic lives here.
/// </summary>
public static partial class ObjectEndpoints
{
    public const int DefaultPageSize = 1000;
    public const int MaxPageSize = 10_000;

    /// <summary>On <c>HEAD ?verify=true</c>: whose copy was read whole and verified (<c>local</c> or a member's name).</summary>
    public const string VerifiedHeader = PeerVaultHeaders.Verified;

    /// <summary>On <c>HEAD ?verify=true</c>: this node's own copy: <c>ok</c>, <c>restored</c> (from the verified one), <c>quarantined</c> or <c>none</c>.</summary>
    public const string LocalCopyHeader = PeerVaultHeaders.LocalCopy;

    /// <summary>Seconds a client is told to wait before retrying a write the node's storage refused.</summary>
    public const int StorageRetryAfterSeconds = 5;

    /// <summary>Seconds a client is told to wait before retrying a read or listing too few replicas answered.</summary>
    public const int ReplicasRetryAfterSeconds = 1;

    public static IEndpointRouteBuilder MapObjectEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPut("/v1/objects/{**key}", PutAsync).RequireAuthorization(ApiSecurity.WritePolicy);
        app.MapMethods("/v1/objects/{**key}", [HttpMethods.Get, HttpMethods.Head], GetAsync).RequireAuthorization(ApiSecurity.ReadPolicy);
        app.MapDelete("/v1/objects/{**key}", DeleteAsync).RequireAuthorization(ApiSecurity.WritePolicy);
        app.MapGet("/v1/objects", ListAsync).RequireAuthorization(ApiSecurity.ReadPolicy);
        app.MapGet("/v1/placement/{**key}", Placement).RequireAuthorization(ApiSecurity.ReadPolicy);
        return app;
    }

    private static async Task<IResult> PutAsync(HttpContext context, ObjectCoordinator coordinator, PlacementMap placement, StorageHealth storage, ApiOptions options, ILogger<ObjectCoordinator> logger)
    {
        if (!RawObjectKey.TryRead(context, out var key, out var error))
        {
            return Problems.BadKey(error);
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = options.MaxObjectBytes;
        }

        if (context.Request.ContentLength > options.MaxObjectBytes)
        {
            return Problems.TooLarge(options.MaxObjectBytes);
        }

        WriteReceipt receipt;
        try
        {
            // A Content-Type is kept with the version and given back on GET (and through S3).
            var contentType = context.Request.ContentType is { Length: > 0 } type ? new ObjectMetadata { ContentType = type } : null;
            receipt = await coordinator.PutAsync(key, context.Request.Body, context.Request.ContentLength, contentType is null ? null : () => contentType, context.RequestAborted);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return Problems.TooLarge(options.MaxObjectBytes);
        }
        catch (IOException ex) when (StorageFaults.IsDiskFull(ex))
        {
            LogDiskFull(logger, key, ex.Message);
            return Problems.DiskFull(key);
        }
        catch (Exception ex) when (StorageFaultAnswer.IsLocalStorageFault(ex, context.RequestAborted.IsCancellationRequested, storage))
        {
            LogStorageUnavailable(logger, key, ex.Message);
            return StorageUnavailable(context, storage);
        }
        catch (ReplicasUnreachableException ex)
        {
            return NothingWritten(context, key, placement.WriteQuorum, ex);
        }
        catch (Exception ex) when (context.RequestAborted.IsCancellationRequested || ex is BadHttpRequestException)
        {
            // The client went away or sent a broken body; the partial blob was discarded.
            LogUploadAborted(logger, key, ex.Message);
            return Problems.UploadIncomplete(key);
        }

        if (!receipt.Durable)
        {
            return Problems.WriteQuorum(
                $"'{key}' is durable on {receipt.Replicas.Count} of the {receipt.Required} replicas a write needs ({string.Join(", ", receipt.Failures)}). The copies made are kept and will be repaired; retry to be sure.",
                new Dictionary<string, object?>
                {
                    ["key"] = key,
                    ["version"] = receipt.Version.ToString(),
                    ["acknowledged"] = receipt.Replicas.Count,
                    ["required"] = receipt.Required,
                    ["replicas"] = receipt.Replicas,
                    ["placement"] = receipt.Placement,
                    ["failures"] = receipt.Failures,
                });
        }

        var stored = new StoredObject(key, receipt.ObjectId, receipt.Size, receipt.Version.ToString(), receipt.Replicas, receipt.Placement);
        return Results.Json(stored, PeerVaultJsonContext.Default.StoredObject, statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> GetAsync(HttpContext context, ObjectCoordinator coordinator)
    {
        if (!RawObjectKey.TryRead(context, out var key, out var error))
        {
            return Problems.BadKey(error);
        }

        var sink = new HttpObjectSink(context);
        var head = HttpMethods.IsHead(context.Request.Method);
        var verify = head && context.Request.Query["verify"] is { Count: > 0 } flag && (flag == "true" || flag == "1");
        ReadOutcome outcome;
        try
        {
            outcome = head
                ? await coordinator.HeadAsync(key, verify, context.RequestAborted)
                : await coordinator.ReadAsync(key, sink, context.RequestAborted);
        }
        catch (ObjectIntegrityException) when (context.Response.HasStarted)
        {
            // Part of the body is out; cutting the connection is the only honest signal left.
            context.Abort();
            return Results.Empty;
        }

        switch (outcome.Status)
        {
            case ReadStatus.Served when head:
                sink.Begin(outcome.Entry!, "local");
                if (verify)
                {
                    // Which copy was read whole and found intact, and what became of this node's own.
                    context.Response.Headers[VerifiedHeader] = outcome.VerifiedBy;
                    context.Response.Headers[LocalCopyHeader] = outcome.LocalCopy;
                }

                return sink.UnsatisfiableSize is { } headSize ? RangeNotSatisfiable(context, headSize) : Results.Empty;
            case ReadStatus.Served:
                return sink.UnsatisfiableSize is { } size ? RangeNotSatisfiable(context, size) : Results.Empty;
            case ReadStatus.NotFound:
                return Problems.NotFound(key);
            case ReadStatus.Unavailable:
                context.Response.Headers.RetryAfter = ReplicasRetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
                return Problems.Unavailable(key);
            default:
                return Problems.NoIntactCopy(key, outcome.Problems);
        }
    }

    private static async Task<IResult> DeleteAsync(HttpContext context, ObjectCoordinator coordinator, PlacementMap placement, StorageHealth storage, ILogger<ObjectCoordinator> logger)
    {
        if (!RawObjectKey.TryRead(context, out var key, out var error))
        {
            return Problems.BadKey(error);
        }

        DeleteReceipt receipt;
        try
        {
            receipt = await coordinator.DeleteAsync(key, context.RequestAborted);
        }
        catch (Exception ex) when (StorageFaultAnswer.IsLocalStorageFault(ex, context.RequestAborted.IsCancellationRequested, storage))
        {
            LogStorageUnavailable(logger, key, ex.Message);
            return StorageUnavailable(context, storage);
        }
        catch (ReplicasUnreachableException ex)
        {
            return NothingWritten(context, key, placement.WriteQuorum, ex);
        }

        if (!receipt.Durable)
        {
            return Problems.WriteQuorum(
                $"The delete of '{key}' is durable on {receipt.Replicas.Count} of the {receipt.Required} replicas a write needs ({string.Join(", ", receipt.Failures)}). It will be repaired; retry to be sure.",
                new Dictionary<string, object?>
                {
                    ["key"] = key,
                    ["version"] = receipt.Version.ToString(),
                    ["acknowledged"] = receipt.Replicas.Count,
                    ["required"] = receipt.Required,
                    ["replicas"] = receipt.Replicas,
                    ["placement"] = receipt.Placement,
                    ["failures"] = receipt.Failures,
                });
        }

        return receipt.Existed
            ? Results.Json(new DeletedObject(key, receipt.Version.ToString(), receipt.Replicas, receipt.Placement), PeerVaultJsonContext.Default.DeletedObject)
            : Problems.NotFound(key);
    }

    private static async Task<IResult> ListAsync(HttpContext context, ClusterListing listing, string? prefix, string? after, string? limit)
    {
        var pageSize = DefaultPageSize;
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out pageSize) || pageSize is < 1 or > MaxPageSize))
        {
            return Problems.BadQuery($"limit must be a whole number from 1 to {MaxPageSize}.");
        }

        try
        {
            return new ObjectListingResult(await listing.ListAsync(prefix, after, pageSize, context.RequestAborted));
        }
        catch (ListingIncompleteException ex)
        {
            context.Response.Headers.RetryAfter = ReplicasRetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
            return Problems.ListingIncomplete(ex.Message);
        }
    }

    private static IResult Placement(HttpContext context, PlacementMap placement)
    {
        if (!RawObjectKey.TryRead(context, "/v1/placement/", out var key, out var error))
        {
            return Problems.BadKey(error);
        }

        var partition = KeyPartition.Of(key);
        return Results.Json(new KeyPlacement(key, partition, placement.Replicas, [.. placement.ReplicasOf(partition).Select(m => m.Name)]), PeerVaultJsonContext.Default.KeyPlacement);
    }

    /// <summary>A write refused before anything was applied (too few replicas said which version they hold): a write-quorum problem with nothing acknowledged.</summary>
    private static IResult NothingWritten(HttpContext context, string key, int required, ReplicasUnreachableException refusal)
    {
        context.Response.Headers.RetryAfter = ReplicasRetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return Problems.WriteQuorum(
            refusal.Message,
            new Dictionary<string, object?>
            {
                ["key"] = key,
                ["acknowledged"] = 0,
                ["required"] = required,
                ["replicas"] = Array.Empty<string>(),
                ["placement"] = refusal.Placement,
                ["failures"] = refusal.Failures,
            });
    }

    private static IResult StorageUnavailable(HttpContext context, StorageHealth storage)
    {
        context.Response.Headers.RetryAfter = StorageRetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return Problems.StorageUnavailable(storage.Problem ?? "The node's data directory cannot take writes right now.");
    }

    private static IResult RangeNotSatisfiable(HttpContext context, long size)
    {
        context.Response.Headers.ContentRange = $"bytes */{size}";
        context.Response.ContentLength = null;
        return Results.StatusCode(StatusCodes.Status416RangeNotSatisfiable);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Disk full while storing {Key}: {Error}")]
    private static partial void LogDiskFull(ILogger logger, string key, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Write of {Key} refused: this node's storage is unavailable ({Error})")]
    private static partial void LogStorageUnavailable(ILogger logger, string key, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Upload of {Key} did not complete ({Error}); nothing was stored")]
    private static partial void LogUploadAborted(ILogger logger, string key, string error);
}
