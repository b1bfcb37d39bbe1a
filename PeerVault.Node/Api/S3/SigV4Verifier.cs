using System.Collections.Concurrent;
using System.Globalization;
using PeerVault.Node.Security;

namespace PeerVault.Node.Api.S3;

/// <summary>Who signed a request, and what the body's signing needs (the seed of a chunked payload).</summary>
/// <param name="Credential">The S3 pair that signed it.</param>
/// <param name="PayloadHash">The <c>x-amz-content-sha256</c> value signed (a hex hash, <c>UNSIGNED-PAYLOAD</c> or a <c>STREAMING-…</c> mode).</param>
/// <param name="SigningKey">The day's derived key, to check chunk and trailer signatures.</param>
/// <param name="AmzDate">The request's time as signed (<c>yyyyMMddTHHmmssZ</c>).</param>
/// <param name="Scope">The credential scope (<c>date/region/s3/aws4_request</c>).</param>
/// <param name="Signature">The request's signature: the seed the first chunk's signature chains from.</param>
public sealed record S3Auth(S3Credential Credential, string PayloadHash, byte[] SigningKey, string AmzDate, string Scope, string Signature);

/// <summary>
/// Checks AWS Signature Version 4 on an S3 request, in the <c>Authorization</c> header or in a
/// presigned URL's query, against the S3 pairs in force (the admin pair and the API keys file's).
/// Refusals are S3's: <c>InvalidAccessKeyId</c>, <c>SignatureDoesNotMatch</c>,
/// <c>RequestTimeTooSkewed</c>, <c>AccessDenied</c> for an expired URL. Secrets never leave here.
/// </summary>
public sealed class SigV4Verifier(ApiKeys keys, S3Options options, TimeProvider time)
{
    /// <summary>Longest validity a presigned URL may ask for (S3's seven days).</summary>
    public const int MaxPresignSeconds = 7 * 24 * 3600;

    private readonly ConcurrentDictionary<(string Secret, string Date, string Region), byte[]> _signingKeys = new();

    public S3Auth Verify(S3Request request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Header("Authorization") is { } authorization)
        {
            return VerifyHeader(request, authorization);
        }

        if (request.Has("X-Amz-Signature") || request.Has("X-Amz-Credential"))
        {
            return VerifyPresigned(request);
        }

        if (request.Has("AWSAccessKeyId") && request.Has("Signature"))
        {
            throw S3Errors.InvalidRequest("Signature Version 2 is not supported; presign with AWS Signature Version 4 (boto3: Config(signature_version='s3v4')).");
        }

        throw S3Errors.AccessDenied("Anonymous access is not allowed: sign the request with an S3 key pair (AWS Signature Version 4).");
    }

    private S3Auth VerifyHeader(S3Request request, string authorization)
    {
        if (!authorization.StartsWith(SigV4.Algorithm + " ", StringComparison.Ordinal))
        {
            throw authorization.StartsWith("AWS ", StringComparison.Ordinal)
                ? S3Errors.InvalidRequest("Signature Version 2 is not supported; sign with AWS Signature Version 4 (AWS4-HMAC-SHA256).")
                : S3Errors.AuthorizationHeaderMalformed("The authorization header is not AWS4-HMAC-SHA256.");
        }

        string? credential = null, signedHeaders = null, signature = null;
        foreach (var part in authorization[(SigV4.Algorithm.Length + 1)..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                continue;
            }

            var value = part[(equals + 1)..].Trim();
            switch (part[..equals].Trim())
            {
                case "Credential": credential = value; break;
                case "SignedHeaders": signedHeaders = value; break;
                case "Signature": signature = value; break;
            }
        }

        if (credential is null || signedHeaders is null || signature is null)
        {
            throw S3Errors.AuthorizationHeaderMalformed("The authorization header needs Credential, SignedHeaders and Signature.");
        }

        var amzDate = request.Header("x-amz-date");
        DateTimeOffset date;
        if (amzDate is null)
        {
            if (request.Header("Date") is not { } httpDate || !DateTimeOffset.TryParse(httpDate, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out date))
            {
                throw S3Errors.AccessDenied("AWS authentication requires a valid Date or x-amz-date header.");
            }

            amzDate = SigV4.FormatDate(date);
        }
        else if (!SigV4.TryParseDate(amzDate, out date))
        {
            throw S3Errors.AccessDenied("AWS authentication requires a valid Date or x-amz-date header.");
        }

        var (owner, scope, signingKey) = Resolve(credential, amzDate, header: true);
        if ((time.GetUtcNow() - date).Duration() > options.MaxRequestSkew)
        {
            throw S3Errors.RequestTimeTooSkewed();
        }

        var payloadHash = request.Header("x-amz-content-sha256") ?? SigV4.UnsignedPayload;
        Check(request, signedHeaders, payloadHash, amzDate, scope, signingKey, signature, excludeQuery: null);
        return new S3Auth(owner, payloadHash, signingKey, amzDate, scope, signature.ToLowerInvariant());
    }

    private S3Auth VerifyPresigned(S3Request request)
    {
        if (request["X-Amz-Algorithm"] != SigV4.Algorithm)
        {
            throw S3Errors.AuthorizationQueryParametersError("X-Amz-Algorithm must be AWS4-HMAC-SHA256.");
        }

        var credential = request["X-Amz-Credential"];
        var amzDate = request["X-Amz-Date"];
        var signedHeaders = request["X-Amz-SignedHeaders"];
        var signature = request["X-Amz-Signature"];
        if (credential is null || amzDate is null || signedHeaders is null || signature is null
            || !int.TryParse(request["X-Amz-Expires"], NumberStyles.None, CultureInfo.InvariantCulture, out var expires))
        {
            throw S3Errors.AuthorizationQueryParametersError("A presigned URL needs X-Amz-Credential, X-Amz-Date, X-Amz-Expires, X-Amz-SignedHeaders and X-Amz-Signature.");
        }

        if (expires is < 1 or > MaxPresignSeconds)
        {
            throw S3Errors.AuthorizationQueryParametersError($"X-Amz-Expires must be from 1 to {MaxPresignSeconds} seconds.");
        }

        if (!SigV4.TryParseDate(amzDate, out var date))
        {
            throw S3Errors.AuthorizationQueryParametersError("X-Amz-Date must have the form yyyyMMddTHHmmssZ.");
        }

        var (owner, scope, signingKey) = Resolve(credential, amzDate, header: false);
        var now = time.GetUtcNow();
        if (now > date.AddSeconds(expires))
        {
            throw S3Errors.AccessDenied("Request has expired");
        }

        if (date - now > options.MaxRequestSkew)
        {
            throw S3Errors.AccessDenied("Request is not valid yet");
        }

        // A presigned URL's payload is not signed, unless it says otherwise.
        var payloadHash = request["X-Amz-Content-Sha256"] ?? SigV4.UnsignedPayload;
        Check(request, signedHeaders, payloadHash, amzDate, scope, signingKey, signature, excludeQuery: "X-Amz-Signature");
        return new S3Auth(owner, payloadHash, signingKey, amzDate, scope, signature.ToLowerInvariant());
    }

    /// <summary>Finds the pair and derives the day's key; the scope must be this node's region and S3.</summary>
    private (S3Credential Owner, string Scope, byte[] SigningKey) Resolve(string credential, string amzDate, bool header)
    {
        var parts = credential.Split('/');
        if (parts.Length != 5 || parts[3] != "s3" || parts[4] != SigV4.Terminator)
        {
            throw header
                ? S3Errors.AuthorizationHeaderMalformed("The credential must be <access key>/<date>/<region>/s3/aws4_request.")
                : S3Errors.AuthorizationQueryParametersError("X-Amz-Credential must be <access key>/<date>/<region>/s3/aws4_request.");
        }

        if (keys.Current.FindS3(parts[0]) is not { } owner)
        {
            throw S3Errors.InvalidAccessKeyId();
        }

        if (parts[2] != options.Region)
        {
            var message = $"The authorization header is malformed; the region '{parts[2]}' is wrong; expecting '{options.Region}'";
            throw header ? S3Errors.AuthorizationHeaderMalformed(message) : S3Errors.AuthorizationQueryParametersError(message);
        }

        if (!amzDate.StartsWith(parts[1], StringComparison.Ordinal) || parts[1].Length != 8)
        {
            throw S3Errors.SignatureDoesNotMatch();
        }

        var signingKey = _signingKeys.GetOrAdd((owner.SecretKey, parts[1], parts[2]), k => SigV4.SigningKey(k.Secret, k.Date, k.Region));
        if (_signingKeys.Count > 1024)
        {
            // Days and keys come and go; the cache only saves four HMACs a request.
            _signingKeys.Clear();
        }

        return (owner, string.Join('/', parts[1..]), signingKey);
    }

    private static void Check(S3Request request, string signedHeaders, string payloadHash, string amzDate, string scope, byte[] signingKey, string signature, string? excludeQuery)
    {
        var names = signedHeaders.Split(';');
        var headers = new List<KeyValuePair<string, string>>(names.Length);
        foreach (var name in names)
        {
            var value = name == "host"
                ? request.Http.Host.Value ?? string.Empty
                : request.Http.Headers.TryGetValue(name, out var values) ? string.Join(',', values.Select(v => SigV4.CanonicalHeaderValue(v ?? string.Empty))) : string.Empty;
            headers.Add(new(name, name == "host" ? value : SigV4.CanonicalHeaderValue(value)));
        }

        var canonical = SigV4.CanonicalRequest(
            request.Method,
            SigV4.UriEncode(request.PathBytes, encodeSlash: false),
            SigV4.CanonicalQuery(request.Query, excludeQuery),
            headers,
            signedHeaders,
            payloadHash);
        var expected = SigV4.Sign(signingKey, SigV4.StringToSign(amzDate, scope, canonical));
        if (!SigV4.SignaturesEqual(expected, signature))
        {
            throw S3Errors.SignatureDoesNotMatch();
        }
    }
}
