using System.Globalization;
using System.Net;
using System.Text;
using PeerVault.Node.Api.S3;

namespace PeerVault.Tests.Api.S3;

/// <summary>
/// What SDKs do not let a test send: virtual-hosted-style addressing, a part list out of order, a
/// sub-resource that is not built, and the request id every answer carries, signed by hand with
/// SigV4 (the signer itself is checked against AWS's examples in <see cref="SigV4Tests"/>).
/// </summary>
[Collection(S3ClusterGroup.Name)]
[Trait("Category", "Distributed")]
public sealed class S3ProtocolTests(S3Cluster s3)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_bucket_named_in_the_host_is_addressed_like_one_in_the_path()
    {
        using var created = await SendAsync("PUT", "/proto-vhost", host: null);
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        using var put = await SendAsync("PUT", "/hello.txt", host: "proto-vhost.localhost", body: "virtually hosted"u8.ToArray());
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        using var got = await SendAsync("GET", "/proto-vhost/hello.txt", host: null);
        Assert.Equal("virtually hosted", await got.Content.ReadAsStringAsync(Ct));
        using var listed = await SendAsync("GET", "/?list-type=2", host: "proto-vhost.localhost");
        Assert.Contains("<Key>hello.txt</Key>", await listed.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_part_list_out_of_order_is_InvalidPartOrder_and_nothing_is_assembled()
    {
        using var created = await SendAsync("PUT", "/proto-order", host: null);
        using var started = await SendAsync("POST", "/proto-order/o?uploads", host: null);
        var uploadId = Between(await started.Content.ReadAsStringAsync(Ct), "<UploadId>", "</UploadId>");
        var etags = new List<string>();
        foreach (var part in new[] { 1, 2 })
        {
            using var uploaded = await SendAsync("PUT", $"/proto-order/o?partNumber={part}&uploadId={uploadId}", host: null, body: new byte[5 << 20]);
            etags.Add(uploaded.Headers.ETag!.Tag);
        }

        var list = $"<CompleteMultipartUpload><Part><PartNumber>2</PartNumber><ETag>{etags[1]}</ETag></Part><Part><PartNumber>1</PartNumber><ETag>{etags[0]}</ETag></Part></CompleteMultipartUpload>";
        using var refused = await SendAsync("POST", $"/proto-order/o?uploadId={uploadId}", host: null, body: Encoding.UTF8.GetBytes(list));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("<Code>InvalidPartOrder</Code>", await refused.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        using var absent = await SendAsync("HEAD", "/proto-order/o", host: null);
        Assert.Equal(HttpStatusCode.NotFound, absent.StatusCode);
        using var aborted = await SendAsync("DELETE", $"/proto-order/o?uploadId={uploadId}", host: null);
        Assert.Equal(HttpStatusCode.NoContent, aborted.StatusCode);
    }

    [Fact]
    public async Task What_is_not_built_is_NotImplemented_and_every_answer_carries_a_request_id()
    {
        using var created = await SendAsync("PUT", "/proto-misc", host: null);
        using var acl = await SendAsync("GET", "/proto-misc?acl", host: null);
        Assert.Equal(HttpStatusCode.NotImplemented, acl.StatusCode);
        var error = await acl.Content.ReadAsStringAsync(Ct);
        Assert.Contains("<Code>NotImplemented</Code>", error, StringComparison.Ordinal);
        var requestId = acl.Headers.GetValues("x-amz-request-id").Single();
        Assert.Matches("^[0-9a-f]{32}$", requestId);
        Assert.Contains($"<RequestId>{requestId}</RequestId>", error, StringComparison.Ordinal);
        using var head = await SendAsync("HEAD", "/proto-misc/absent", host: null);
        Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
        Assert.Matches("^[0-9a-f]{32}$", head.Headers.GetValues("x-amz-request-id").Single());
    }

    private static string Between(string text, string start, string end)
    {
        var from = text.IndexOf(start, StringComparison.Ordinal) + start.Length;
        return text[from..text.IndexOf(end, from, StringComparison.Ordinal)];
    }

    /// <summary>A request signed with the admin pair (payload unsigned), to node1, with an optional Host of its own.</summary>
    private async Task<HttpResponseMessage> SendAsync(string method, string pathAndQuery, string? host, byte[]? body = null)
    {
        var endpoint = s3.Endpoint("node1");
        var authority = (host ?? endpoint.Host) + ":" + endpoint.Port.ToString(CultureInfo.InvariantCulture);
        var amzDate = SigV4.FormatDate(DateTimeOffset.UtcNow);
        var date = amzDate[..8];
        var question = pathAndQuery.IndexOf('?', StringComparison.Ordinal);
        var path = question < 0 ? pathAndQuery : pathAndQuery[..question];
        var query = question < 0 ? [] : S3Request.ParseQuery(pathAndQuery[(question + 1)..]);
        var canonical = SigV4.CanonicalRequest(method, path, SigV4.CanonicalQuery(query), [new("host", authority), new("x-amz-content-sha256", SigV4.UnsignedPayload), new("x-amz-date", amzDate)], "host;x-amz-content-sha256;x-amz-date", SigV4.UnsignedPayload);
        var signature = SigV4.Sign(SigV4.SigningKey(s3.SecretKey, date, S3Cluster.Region), SigV4.StringToSign(amzDate, SigV4.Scope(date, S3Cluster.Region), canonical));
        using var http = new HttpClient { BaseAddress = endpoint, Timeout = TimeSpan.FromMinutes(2) };
        using var request = new HttpRequestMessage(new HttpMethod(method), pathAndQuery) { Content = body is null ? null : new ByteArrayContent(body) };
        request.Headers.Host = authority;
        request.Headers.TryAddWithoutValidation("x-amz-date", amzDate);
        request.Headers.TryAddWithoutValidation("x-amz-content-sha256", SigV4.UnsignedPayload);
        request.Headers.TryAddWithoutValidation("Authorization", $"AWS4-HMAC-SHA256 Credential={s3.AccessKey}/{date}/{S3Cluster.Region}/s3/aws4_request,SignedHeaders=host;x-amz-content-sha256;x-amz-date,Signature={signature}");
        var response = await http.SendAsync(request, Ct);
        await response.Content.LoadIntoBufferAsync(Ct);
        return response;
    }
}
