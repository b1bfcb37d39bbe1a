using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using PeerVault.Node.Api;
using PeerVault.Node.Api.S3;
using PeerVault.Node.Security;

namespace PeerVault.Tests.Api.S3;

/// <summary>
/// The signer and the verifier against AWS's published Signature Version 4 examples: the
/// test suite's <c>get-vanilla</c> and the S3 developer guide's GET object, ListObjects, presigned
/// URL and the seed of its aws-chunked example, with their credentials and expected signatures.
/// </summary>
[Trait("Category", "Unit")]
public sealed class SigV4Tests
{
    public const string ExampleAccessKey = "AKIAIOSFODNN7EXAMPLE";
    public const string ExampleSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    public static readonly DateTimeOffset ExampleTime = new(2013, 5, 24, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_test_suites_get_vanilla_signs_as_published()
    {
        var key = SigV4.SigningKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20150830", "us-east-1", "service");
        var canonical = SigV4.CanonicalRequest("GET", "/", string.Empty, [new("host", "example.amazonaws.com"), new("x-amz-date", "20150830T123600Z")], "host;x-amz-date", SigV4.EmptySha256);
        var signature = SigV4.Sign(key, SigV4.StringToSign("20150830T123600Z", SigV4.Scope("20150830", "us-east-1", "service"), canonical));
        Assert.Equal("5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31", signature);
    }

    [Fact]
    public void The_S3_guides_get_object_signs_as_published()
    {
        var canonical = SigV4.CanonicalRequest(
            "GET",
            "/test.txt",
            string.Empty,
            [new("host", "examplebucket.s3.amazonaws.com"), new("range", "bytes=0-9"), new("x-amz-content-sha256", SigV4.EmptySha256), new("x-amz-date", "20130524T000000Z")],
            "host;range;x-amz-content-sha256;x-amz-date",
            SigV4.EmptySha256);
        Assert.Equal("f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41", Sign(canonical));
    }

    [Fact]
    public void The_S3_guides_list_objects_signs_as_published_with_its_query_sorted()
    {
        var query = SigV4.CanonicalQuery([new("prefix", "J"), new("max-keys", "2")]);
        Assert.Equal("max-keys=2&prefix=J", query);
        var canonical = SigV4.CanonicalRequest(
            "GET",
            "/",
            query,
            [new("host", "examplebucket.s3.amazonaws.com"), new("x-amz-content-sha256", SigV4.EmptySha256), new("x-amz-date", "20130524T000000Z")],
            "host;x-amz-content-sha256;x-amz-date",
            SigV4.EmptySha256);
        Assert.Equal("34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7", Sign(canonical));
    }

    [Fact]
    public void The_S3_guides_presigned_url_signs_as_published()
    {
        var query = SigV4.CanonicalQuery(PresignedQuery(signature: null));
        var canonical = SigV4.CanonicalRequest("GET", "/test.txt", query, [new("host", "examplebucket.s3.amazonaws.com")], "host", SigV4.UnsignedPayload);
        Assert.Equal(PresignedSignature, Sign(canonical));
    }

    [Fact]
    public void The_S3_guides_chunked_upload_seed_signs_as_published()
    {
        var canonical = SigV4.CanonicalRequest(
            "PUT",
            "/examplebucket/chunkObject.txt",
            string.Empty,
            [
                new("content-encoding", "aws-chunked"), new("content-length", "66824"), new("host", "s3.amazonaws.com"),
                new("x-amz-content-sha256", SigV4.StreamingSigned), new("x-amz-date", "20130524T000000Z"),
                new("x-amz-decoded-content-length", "66560"), new("x-amz-storage-class", "REDUCED_REDUNDANCY"),
            ],
            "content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class",
            SigV4.StreamingSigned);
        Assert.Equal(AwsChunkedStreamTests.SeedSignature, Sign(canonical));
    }

    [Fact]
    public void The_verifier_accepts_the_guides_get_object_and_names_the_pair()
    {
        var auth = Verifier(ExampleTime).Verify(GetObjectRequest(ExampleSignature));
        Assert.Equal("example", auth.Credential.Name);
        Assert.Equal(SigV4.EmptySha256, auth.PayloadHash);
    }

    [Fact]
    public void A_request_signed_with_another_secret_is_SignatureDoesNotMatch()
    {
        var error = Assert.Throws<S3Exception>(() => Verifier(ExampleTime).Verify(GetObjectRequest("0" + ExampleSignature[1..])));
        Assert.Equal("SignatureDoesNotMatch", error.Code);
        Assert.Equal(403, error.Status);
    }

    [Fact]
    public void A_changed_header_breaks_the_signature()
    {
        var request = GetObjectRequest(ExampleSignature);
        request.Http.Headers.Range = "bytes=0-10";
        Assert.Equal("SignatureDoesNotMatch", Assert.Throws<S3Exception>(() => Verifier(ExampleTime).Verify(request)).Code);
    }

    [Fact]
    public void An_unknown_access_key_is_InvalidAccessKeyId()
    {
        var request = GetObjectRequest(ExampleSignature, accessKey: "AKIDUNKNOWN");
        Assert.Equal("InvalidAccessKeyId", Assert.Throws<S3Exception>(() => Verifier(ExampleTime).Verify(request)).Code);
    }

    [Fact]
    public void A_request_16_minutes_off_the_nodes_clock_is_RequestTimeTooSkewed()
    {
        Assert.Equal("RequestTimeTooSkewed", Assert.Throws<S3Exception>(() => Verifier(ExampleTime.AddMinutes(16)).Verify(GetObjectRequest(ExampleSignature))).Code);
        Assert.Equal("RequestTimeTooSkewed", Assert.Throws<S3Exception>(() => Verifier(ExampleTime.AddMinutes(-16)).Verify(GetObjectRequest(ExampleSignature))).Code);
        Verifier(ExampleTime.AddMinutes(14)).Verify(GetObjectRequest(ExampleSignature));
    }

    [Fact]
    public void A_presigned_url_is_accepted_until_it_expires()
    {
        Verifier(ExampleTime.AddHours(23)).Verify(Request("GET", "/test.txt", "examplebucket.s3.amazonaws.com", PresignedQuery(PresignedSignature)));
        var expired = Assert.Throws<S3Exception>(() => Verifier(ExampleTime.AddHours(24).AddSeconds(1)).Verify(Request("GET", "/test.txt", "examplebucket.s3.amazonaws.com", PresignedQuery(PresignedSignature))));
        Assert.Equal("AccessDenied", expired.Code);
        Assert.Contains("expired", expired.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_request_without_a_signature_is_AccessDenied()
        => Assert.Equal("AccessDenied", Assert.Throws<S3Exception>(() => Verifier(ExampleTime).Verify(Request("GET", "/test.txt", "examplebucket.s3.amazonaws.com", []))).Code);

    [Fact]
    public void Another_region_is_refused_as_a_malformed_header()
    {
        var verifier = new SigV4Verifier(Keys(), new S3Options { Region = "eu-west-1" }, new FakeTimeProvider(ExampleTime));
        Assert.Equal("AuthorizationHeaderMalformed", Assert.Throws<S3Exception>(() => verifier.Verify(GetObjectRequest(ExampleSignature))).Code);
    }

    [Fact]
    public void Uri_encoding_keeps_unreserved_characters_and_slashes_in_paths_only()
    {
        Assert.Equal("a/b%20c~d-e_f.g%2B%C3%A9", SigV4.UriEncode("a/b c~d-e_f.g+é", encodeSlash: false));
        Assert.Equal("a%2Fb", SigV4.UriEncode("a/b", encodeSlash: true));
        Assert.Equal("a b", SigV4.CanonicalHeaderValue("  a    b "));
    }

    internal const string ExampleSignature = "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41";
    internal const string PresignedSignature = "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404";

    internal static string Sign(string canonical)
        => SigV4.Sign(SigV4.SigningKey(ExampleSecret, "20130524", "us-east-1"), SigV4.StringToSign("20130524T000000Z", SigV4.Scope("20130524", "us-east-1"), canonical));

    internal static SigV4Verifier Verifier(DateTimeOffset now) => new(Keys(), new S3Options(), new FakeTimeProvider(now));

    internal static ApiKeys Keys()
        => new(new ApiOptions { S3AdminKey = null }, new StaticOptions(new ApiKeyOptions { Keys = { ["example"] = new ApiKeyEntry { Key = "example-api-key-0123456789", Scopes = ["read", "write"], S3AccessKey = ExampleAccessKey, S3SecretKey = ExampleSecret } } }), NullLogger<ApiKeys>.Instance);

    private static List<KeyValuePair<string, string>> PresignedQuery(string? signature)
    {
        List<KeyValuePair<string, string>> query =
        [
            new("X-Amz-Algorithm", "AWS4-HMAC-SHA256"),
            new("X-Amz-Credential", $"{ExampleAccessKey}/20130524/us-east-1/s3/aws4_request"),
            new("X-Amz-Date", "20130524T000000Z"),
            new("X-Amz-Expires", "86400"),
            new("X-Amz-SignedHeaders", "host"),
        ];
        if (signature is not null)
        {
            query.Add(new("X-Amz-Signature", signature));
        }

        return query;
    }

    private static S3Request GetObjectRequest(string signature, string accessKey = ExampleAccessKey)
    {
        var request = Request("GET", "/test.txt", "examplebucket.s3.amazonaws.com", []);
        var headers = request.Http.Headers;
        headers.Range = "bytes=0-9";
        headers["x-amz-content-sha256"] = SigV4.EmptySha256;
        headers["x-amz-date"] = "20130524T000000Z";
        headers.Authorization = $"AWS4-HMAC-SHA256 Credential={accessKey}/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature={signature}";
        return request;
    }

    internal static S3Request Request(string method, string path, string host, List<KeyValuePair<string, string>> query)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        context.Request.Host = new HostString(host);
        var target = path + (query.Count == 0 ? string.Empty : "?" + string.Join('&', query.Select(p => $"{Uri.EscapeDataString(p.Key)}={Uri.EscapeDataString(p.Value)}")));
        context.Features.Get<IHttpRequestFeature>()!.RawTarget = target;
        return S3Request.Parse(context, ["s3.amazonaws.com"]);
    }

    private sealed class StaticOptions(ApiKeyOptions value) : IOptionsMonitor<ApiKeyOptions>
    {
        public ApiKeyOptions CurrentValue => value;

        public ApiKeyOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<ApiKeyOptions, string?> listener) => null;
    }
}
