using System.Diagnostics;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;
using PeerVault.Node.Cluster;
using PeerVault.Node.Cluster.Membership;
using PeerVault.Node.Diagnostics;

namespace PeerVault.Node.Api.S3;

/// <summary>
/// The S3 endpoint's one entry point (every request on <c>S3_PORT</c>): parse, route to one
/// <see cref="S3Operation"/>, check the signature and the caller's scope, dispatch, and turn any
/// failure into S3's XML error with a request id that is the request's trace id. It only
/// translates: every byte goes through the same coordinator as the native API's.
/// </summary>
public sealed partial class S3Server(
    S3Options options,
    SigV4Verifier verifier,
    S3BucketHandlers buckets,
    S3ObjectHandlers objects,
    S3ListHandlers lists,
    S3MultipartHandlers multipart,
    RefusalLog refusals,
    ILogger<S3Server> logger)
{
    public async Task HandleAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var requestId = RequestId(context);
        context.Response.Headers["x-amz-request-id"] = requestId;
        context.Response.Headers["x-amz-id-2"] = requestId;
        S3Request? request = null;
        var operation = S3Operation.Unsupported;
        try
        {
            request = S3Request.Parse(context, options.Domains);
            (operation, var unsupported) = S3Router.Route(request);
            Tag(operation, request);
            var auth = verifier.Verify(request);
            if (!auth.Credential.Caller.May(S3Router.ScopeOf(operation)))
            {
                refusals.Refused("s3-scope", auth.Credential.Name);
                throw S3Errors.AccessDenied();
            }

            if (operation == S3Operation.Unsupported)
            {
                throw S3Errors.NotImplemented(unsupported ?? "this request");
            }

            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            {
                // aws-chunked framing adds a little to a part or object of the largest size.
                limit.MaxRequestBodySize = null;
            }

            await DispatchAsync(operation, request, auth);
        }
        catch (S3Exception ex)
        {
            if (ex.Code is "SignatureDoesNotMatch" or "InvalidAccessKeyId" or "RequestTimeTooSkewed" or "AccessDenied")
            {
                refusals.Refused("s3-" + ex.Code, context.Connection.RemoteIpAddress?.ToString() ?? "?");
            }

            Activity.Current?.SetTag("aws.s3.error", ex.Code);
            await WriteErrorAsync(context, request, ex);
        }
        catch (Exception ex) when (context.RequestAborted.IsCancellationRequested || ex is BadHttpRequestException or ConnectionResetException)
        {
            // The client went away or sent a broken body; whatever it was writing was not stored.
            LogAborted(operation, ex.Message);
            if (ex is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } && !context.Response.HasStarted)
            {
                await WriteErrorAsync(context, request, S3Errors.EntityTooLarge(0));
            }
        }
        catch (Exception ex) when ((ex is ClusterJoiningException or ReplicasUnreachableException or ListingIncompleteException) && !context.Response.HasStarted)
        {
            // The node is joining its cluster or heard from too few replicas: nothing was changed; retry.
            context.Response.Headers.RetryAfter = ClusterReadiness.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await WriteErrorAsync(context, request, S3Errors.ServiceUnavailable(ex.Message));
        }
        catch (Exception ex)
        {
            LogFailed(ex, operation, requestId);
            await WriteErrorAsync(context, request, S3Errors.InternalError());
        }
    }

    private Task DispatchAsync(S3Operation operation, S3Request request, S3Auth auth) => operation switch
    {
        S3Operation.ListBuckets => buckets.ListBucketsAsync(request, auth),
        S3Operation.CreateBucket => buckets.CreateBucketAsync(request),
        S3Operation.HeadBucket => buckets.HeadBucketAsync(request),
        S3Operation.DeleteBucket => buckets.DeleteBucketAsync(request, multipart),
        S3Operation.GetBucketLocation => buckets.GetBucketLocationAsync(request),
        S3Operation.GetBucketVersioning => buckets.GetBucketVersioningAsync(request),
        S3Operation.ListObjects => lists.ListObjectsAsync(request, auth),
        S3Operation.ListObjectsV2 => lists.ListObjectsV2Async(request, auth),
        S3Operation.DeleteObjects => objects.DeleteObjectsAsync(request, auth),
        S3Operation.ListMultipartUploads => multipart.ListUploadsAsync(request, auth),
        S3Operation.PutObject => objects.PutObjectAsync(request, auth),
        S3Operation.CopyObject => objects.CopyObjectAsync(request),
        S3Operation.GetObject => objects.GetObjectAsync(request),
        S3Operation.HeadObject => objects.HeadObjectAsync(request),
        S3Operation.DeleteObject => objects.DeleteObjectAsync(request),
        S3Operation.CreateMultipartUpload => multipart.CreateAsync(request, auth),
        S3Operation.UploadPart => multipart.UploadPartAsync(request, auth),
        S3Operation.UploadPartCopy => multipart.UploadPartCopyAsync(request),
        S3Operation.CompleteMultipartUpload => multipart.CompleteAsync(request, auth),
        S3Operation.AbortMultipartUpload => multipart.AbortAsync(request),
        S3Operation.ListParts => multipart.ListPartsAsync(request, auth),
        _ => throw S3Errors.NotImplemented(operation.ToString()),
    };

    /// <summary>The error as S3 writes it; a HEAD gets the status alone; after bytes went out only the connection can be cut.</summary>
    private static async Task WriteErrorAsync(HttpContext context, S3Request? request, S3Exception error)
    {
        var response = context.Response;
        if (response.HasStarted)
        {
            context.Abort();
            return;
        }

        var requestId = response.Headers["x-amz-request-id"].ToString();
        response.Clear();
        response.Headers["x-amz-request-id"] = requestId;
        response.Headers["x-amz-id-2"] = requestId;
        response.StatusCode = error.Status;
        if (error.Code is "InvalidRange" && request is not null)
        {
            response.Headers.ContentRange = context.Response.Headers.ContentRange;
        }

        if (HttpMethods.IsHead(context.Request.Method))
        {
            return;
        }

        var body = ErrorDocument(error, request, declaration: true, requestId);
        response.ContentType = "application/xml";
        response.ContentLength = body.Length;
        await response.Body.WriteAsync(body, context.RequestAborted);
    }

    /// <summary><c>&lt;Error&gt;&lt;Code/&gt;&lt;Message/&gt;&lt;Resource/&gt;&lt;RequestId/&gt;&lt;/Error&gt;</c>.</summary>
    public static byte[] ErrorDocument(S3Exception error, S3Request? request, bool declaration, string? requestId = null)
    {
        ArgumentNullException.ThrowIfNull(error);
        requestId ??= request is null ? string.Empty : RequestId(request.Context);
        return S3Xml.Build(
            "Error",
            xml =>
            {
                xml.Element("Code", error.Code);
                xml.Element("Message", error.Message);
                xml.Element("Resource", error.Resource ?? request?.Http.Path.Value);
                xml.Element("RequestId", requestId);
                xml.Element("HostId", requestId);
            },
            s3Namespace: false,
            declaration: declaration);
    }

    /// <summary>The trace id, so that an S3 request id leads straight to the trace and the logs of the request.</summary>
    private static string RequestId(HttpContext context) => Activity.Current?.TraceId.ToHexString() ?? context.TraceIdentifier;

    private static void Tag(S3Operation operation, S3Request request)
    {
        if (Activity.Current is { } activity)
        {
            activity.SetTag("rpc.system", "aws-api");
            activity.SetTag("rpc.service", "S3");
            activity.SetTag("rpc.method", operation.ToString());
            activity.SetTag("aws.s3.bucket", request.Bucket);
            activity.SetTag("aws.s3.key", request.Key);
            activity.DisplayName = $"S3 {operation}";
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "S3 {Operation} failed (request id {RequestId})")]
    private partial void LogFailed(Exception exception, S3Operation operation, string requestId);

    [LoggerMessage(Level = LogLevel.Information, Message = "S3 {Operation} did not complete: the client left or sent a broken body ({Error}); nothing was stored")]
    private partial void LogAborted(S3Operation operation, string error);
}
