using System.Globalization;

namespace PeerVault.Node.Api.S3;

/// <summary>
/// Opens an S3 request's body as the object's plaintext: decodes aws-chunked (with its chunk and
/// trailer signatures when signed), and wraps it in an <see cref="S3PayloadStream"/> that computes
/// the MD5 and the checksum asked for and checks every digest the request announced.
/// </summary>
public static class S3Body
{
    /// <summary>The body and its decoded length (null when the request did not say).</summary>
    /// <param name="request">The request.</param>
    /// <param name="auth">Who signed it, and how the payload is signed.</param>
    /// <param name="defaultChecksum">A checksum to compute when the request names none (a multipart upload's algorithm).</param>
    public static (S3PayloadStream Body, long? Length) Open(S3Request request, S3Auth auth, string? defaultChecksum = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(auth);
        var mode = auth.PayloadHash;
        var body = request.Http.Body;
        long? length = request.Http.ContentLength;
        AwsChunkedStream? chunked = null;
        if (mode.StartsWith("STREAMING-", StringComparison.Ordinal))
        {
            if (mode is not (SigV4.StreamingSigned or SigV4.StreamingSignedTrailer or SigV4.StreamingUnsignedTrailer))
            {
                throw S3Errors.NotImplemented($"x-amz-content-sha256: {mode}");
            }

            length = long.TryParse(request.Header("x-amz-decoded-content-length"), NumberStyles.None, CultureInfo.InvariantCulture, out var decoded) ? decoded : null;
            chunked = new AwsChunkedStream(body, mode == SigV4.StreamingUnsignedTrailer ? null : auth, trailer: mode != SigV4.StreamingSigned, length);
            body = chunked;
        }

        var expectedSha256 = mode.Length == 64 && mode.All(char.IsAsciiHexDigit) ? mode : null;
        if (expectedSha256 is null && mode != SigV4.UnsignedPayload && chunked is null)
        {
            throw S3Errors.InvalidArgument("x-amz-content-sha256 must be a hex SHA-256, UNSIGNED-PAYLOAD or a STREAMING- mode.");
        }

        var contentMd5 = request.Header("Content-MD5");
        if (contentMd5 is not null && !IsBase64Of(contentMd5, 16))
        {
            throw S3Errors.InvalidDigest();
        }

        var (algorithm, expected) = ChecksumOf(request, defaultChecksum);
        return (new S3PayloadStream(body, length, contentMd5, expectedSha256, algorithm, expected) { Chunked = chunked }, length);
    }

    /// <summary>The checksum a request asks for: a value in a header, one announced for the trailer, or an algorithm alone.</summary>
    public static (string? Algorithm, string? Value) ChecksumOf(S3Request request, string? fallback)
    {
        ArgumentNullException.ThrowIfNull(request);
        foreach (var algorithm in S3ChecksumAlgorithms.All)
        {
            if (request.Header(S3ChecksumAlgorithms.Header(algorithm)) is { } value)
            {
                if (!IsBase64Of(value, S3ChecksumAlgorithms.DigestLength(algorithm)))
                {
                    throw S3Errors.InvalidDigest($"The {S3ChecksumAlgorithms.Display(algorithm)} checksum you specified is not valid base64 of the right length.");
                }

                return (algorithm, value.Trim());
            }
        }

        if (request.Header("x-amz-trailer") is { } trailer)
        {
            var named = trailer.Trim().ToLowerInvariant();
            if (named.StartsWith("x-amz-checksum-", StringComparison.Ordinal) && S3ChecksumAlgorithms.Normalize(named["x-amz-checksum-".Length..]) is { } announced)
            {
                return (announced, null);
            }

            throw S3Errors.InvalidArgument($"The trailer '{trailer}' is not an x-amz-checksum-* header PeerVault knows.");
        }

        if (request.Header("x-amz-sdk-checksum-algorithm") is { } sdk)
        {
            return (S3ChecksumAlgorithms.Normalize(sdk) ?? throw S3Errors.InvalidArgument($"Unknown checksum algorithm '{sdk}'."), null);
        }

        return (fallback, null);
    }

    private static bool IsBase64Of(string text, int bytes)
    {
        Span<byte> buffer = stackalloc byte[64];
        return Convert.TryFromBase64String(text.Trim(), buffer, out var written) && written == bytes;
    }
}
