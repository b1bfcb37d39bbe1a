using PeerVault.Node.Security;

namespace PeerVault.Node.Api.S3;

/// <summary>Every S3 call PeerVault answers, and <see cref="Unsupported"/> for the ones it knows but does not build.</summary>
public enum S3Operation
{
    ListBuckets,
    CreateBucket,
    HeadBucket,
    DeleteBucket,
    GetBucketLocation,
    GetBucketVersioning,
    ListObjects,
    ListObjectsV2,
    DeleteObjects,
    ListMultipartUploads,
    PutObject,
    CopyObject,
    GetObject,
    HeadObject,
    DeleteObject,
    CreateMultipartUpload,
    UploadPart,
    UploadPartCopy,
    CompleteMultipartUpload,
    AbortMultipartUpload,
    ListParts,
    Unsupported,
}

/// <summary>
/// Method + query + (bucket, key) → one <see cref="S3Operation"/>, as S3 routes them (Garage's
/// router.rs does the same): a sub-resource in the query (<c>?uploads</c>, <c>?location</c>,
/// <c>?delete</c>…) picks the call; sub-resources PeerVault does not build (ACLs, policies,
/// lifecycle, tagging, versions…) are <see cref="S3Operation.Unsupported"/>, answered NotImplemented.
/// </summary>
public static class S3Router
{
    /// <summary>Bucket and object sub-resources that are not built.</summary>
    private static readonly string[] UnsupportedSubresources =
    [
        "acl", "policy", "policyStatus", "lifecycle", "cors", "tagging", "website", "encryption", "object-lock", "logging",
        "notification", "replication", "requestPayment", "accelerate", "ownershipControls", "publicAccessBlock",
        "intelligent-tiering", "inventory", "metrics", "analytics", "versions", "retention", "legal-hold", "torrent",
        "restore", "select", "attributes", "analytics", "session",
    ];

    public static (S3Operation Operation, string? Unsupported) Route(S3Request request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (UnsupportedSubresources.FirstOrDefault(request.Has) is { } sub)
        {
            return (S3Operation.Unsupported, "?" + sub);
        }

        var method = request.Method;
        if (request.Bucket is null)
        {
            return HttpMethods.IsGet(method) ? (S3Operation.ListBuckets, null) : (S3Operation.Unsupported, method + " /");
        }

        if (!request.HasKey)
        {
            if (HttpMethods.IsPut(method))
            {
                return request.Has("versioning") ? (S3Operation.Unsupported, "PUT ?versioning") : (S3Operation.CreateBucket, null);
            }

            if (HttpMethods.IsHead(method))
            {
                return (S3Operation.HeadBucket, null);
            }

            if (HttpMethods.IsDelete(method))
            {
                return (S3Operation.DeleteBucket, null);
            }

            if (HttpMethods.IsPost(method))
            {
                return request.Has("delete") ? (S3Operation.DeleteObjects, null) : (S3Operation.Unsupported, "POST on a bucket");
            }

            if (HttpMethods.IsGet(method))
            {
                return request.Has("location") ? (S3Operation.GetBucketLocation, null)
                    : request.Has("versioning") ? (S3Operation.GetBucketVersioning, null)
                    : request.Has("uploads") ? (S3Operation.ListMultipartUploads, null)
                    : request["list-type"] == "2" ? (S3Operation.ListObjectsV2, null)
                    : (S3Operation.ListObjects, null);
            }

            return (S3Operation.Unsupported, method);
        }

        if (HttpMethods.IsPut(method))
        {
            var copy = request.Header("x-amz-copy-source") is not null;
            if (request.Has("uploadId") || request.Has("partNumber"))
            {
                return copy ? (S3Operation.UploadPartCopy, null) : (S3Operation.UploadPart, null);
            }

            return copy ? (S3Operation.CopyObject, null) : (S3Operation.PutObject, null);
        }

        if (HttpMethods.IsGet(method))
        {
            return request.Has("uploadId") ? (S3Operation.ListParts, null) : (S3Operation.GetObject, null);
        }

        if (HttpMethods.IsHead(method))
        {
            return (S3Operation.HeadObject, null);
        }

        if (HttpMethods.IsDelete(method))
        {
            return request.Has("uploadId") ? (S3Operation.AbortMultipartUpload, null) : (S3Operation.DeleteObject, null);
        }

        if (HttpMethods.IsPost(method))
        {
            return request.Has("uploads") ? (S3Operation.CreateMultipartUpload, null)
                : request.Has("uploadId") ? (S3Operation.CompleteMultipartUpload, null)
                : (S3Operation.Unsupported, "POST on an object");
        }

        return (S3Operation.Unsupported, method);
    }

    /// <summary>The API key scope an operation needs: reads need <c>read</c>, everything that changes something <c>write</c>.</summary>
    public static string ScopeOf(S3Operation operation) => operation switch
    {
        S3Operation.ListBuckets or S3Operation.HeadBucket or S3Operation.GetBucketLocation or S3Operation.GetBucketVersioning
            or S3Operation.ListObjects or S3Operation.ListObjectsV2 or S3Operation.ListMultipartUploads
            or S3Operation.GetObject or S3Operation.HeadObject or S3Operation.ListParts or S3Operation.Unsupported => ApiScopes.Read,
        _ => ApiScopes.Write,
    };
}
