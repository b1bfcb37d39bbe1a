namespace PeerVault.Node.Api.S3;

/// <summary>
/// An S3 error as clients branch on it: the code (<c>NoSuchKey</c>, <c>SignatureDoesNotMatch</c>,
/// …), the HTTP status and a sentence. Thrown anywhere in the S3 layer (a body stream included) and
/// written by <see cref="S3Server"/> as the XML error document with the request id.
/// </summary>
public sealed class S3Exception : Exception
{
    public S3Exception(int status, string code, string message)
        : base(message)
    {
        Status = status;
        Code = code;
    }

    public S3Exception()
        : this(500, "InternalError", "We encountered an internal error. Please try again.")
    {
    }

    public S3Exception(string message)
        : this(400, "InvalidRequest", message)
    {
    }

    public S3Exception(string message, Exception innerException)
        : base(message, innerException)
    {
        Status = 500;
        Code = "InternalError";
    }

    public int Status { get; }

    public string Code { get; }

    /// <summary>The resource the error is about (bucket or key), written as <c>&lt;Resource&gt;</c>.</summary>
    public string? Resource { get; init; }
}

/// <summary>The S3 errors PeerVault answers with, one factory per code (the status is S3's).</summary>
public static class S3Errors
{
    public static S3Exception AccessDenied(string message = "Access Denied") => new(403, "AccessDenied", message);

    public static S3Exception InvalidAccessKeyId() => new(403, "InvalidAccessKeyId", "The AWS access key Id you provided does not exist in our records.");

    public static S3Exception SignatureDoesNotMatch() => new(403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method.");

    public static S3Exception RequestTimeTooSkewed() => new(403, "RequestTimeTooSkewed", "The difference between the request time and the server's time is too large.");

    public static S3Exception AuthorizationHeaderMalformed(string message) => new(400, "AuthorizationHeaderMalformed", message);

    public static S3Exception AuthorizationQueryParametersError(string message) => new(400, "AuthorizationQueryParametersError", message);

    public static S3Exception MissingSecurityHeader(string message) => new(400, "MissingSecurityHeader", message);

    public static S3Exception ContentSha256Mismatch() => new(400, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.");

    public static S3Exception NoSuchBucket(string bucket) => new(404, "NoSuchBucket", "The specified bucket does not exist.") { Resource = bucket };

    public static S3Exception NoSuchKey(string key) => new(404, "NoSuchKey", "The specified key does not exist.") { Resource = key };

    public static S3Exception NoSuchUpload(string uploadId) => new(404, "NoSuchUpload", "The specified multipart upload does not exist. The upload ID might be invalid, or the multipart upload might have been aborted or completed.") { Resource = uploadId };

    public static S3Exception BucketAlreadyOwnedByYou(string bucket) => new(409, "BucketAlreadyOwnedByYou", "Your previous request to create the named bucket succeeded and you already own it.") { Resource = bucket };

    public static S3Exception BucketNotEmpty(string bucket) => new(409, "BucketNotEmpty", "The bucket you tried to delete is not empty.") { Resource = bucket };

    public static S3Exception InvalidBucketName(string bucket) => new(400, "InvalidBucketName", "The specified bucket is not valid: 3 to 63 characters of lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit.") { Resource = bucket };

    public static S3Exception InvalidRange() => new(416, "InvalidRange", "The requested range is not satisfiable.");

    public static S3Exception PreconditionFailed() => new(412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold.");

    public static S3Exception EntityTooLarge(long limit) => new(400, "EntityTooLarge", $"Your proposed upload exceeds the maximum allowed object size ({limit} bytes).");

    public static S3Exception EntityTooSmall() => new(400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed object size: every part but the last must be at least 5 MiB.");

    public static S3Exception InvalidPart(string message = "One or more of the specified parts could not be found. The part might not have been uploaded, or the specified entity tag might not have matched the part's entity tag.") => new(400, "InvalidPart", message);

    public static S3Exception InvalidPartOrder() => new(400, "InvalidPartOrder", "The list of parts was not in ascending order. Parts must be ordered by part number.");

    public static S3Exception MalformedXml(string? detail = null) => new(400, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema." + (detail is null ? string.Empty : $" ({detail})"));

    public static S3Exception NotImplemented(string what) => new(501, "NotImplemented", $"A header or query you provided implies functionality that is not implemented: {what}.");

    public static S3Exception BadDigest(string message = "The Content-MD5 or checksum you specified did not match what we received.") => new(400, "BadDigest", message);

    public static S3Exception InvalidDigest(string message = "The Content-MD5 or checksum you specified is not valid.") => new(400, "InvalidDigest", message);

    public static S3Exception IncompleteBody() => new(400, "IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header.");

    public static S3Exception InvalidArgument(string message) => new(400, "InvalidArgument", message);

    public static S3Exception InvalidRequest(string message) => new(400, "InvalidRequest", message);

    public static S3Exception KeyTooLong(int limit) => new(400, "KeyTooLongError", $"Your key is too long: with its bucket name it must be at most {limit} bytes of UTF-8.");

    public static S3Exception MetadataTooLarge() => new(400, "MetadataTooLarge", "Your metadata headers exceed the maximum allowed metadata size (2 KB of user metadata).");

    public static S3Exception ServiceUnavailable(string message) => new(503, "ServiceUnavailable", message);

    public static S3Exception SlowDown(string message) => new(503, "SlowDown", message);

    public static S3Exception InternalError(string message = "We encountered an internal error. Please try again.") => new(500, "InternalError", message);

    public static S3Exception MethodNotAllowed() => new(405, "MethodNotAllowed", "The specified method is not allowed against this resource.");
}
