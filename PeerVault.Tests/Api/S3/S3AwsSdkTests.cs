#pragma warning disable CA5351 // S3 ETags are MD5s: the tests compute what clients compare.
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Amazon.S3;
using Amazon.S3.Model;
using PeerVault.Node.Api.S3;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Api.S3;

/// <summary>
/// The AWS SDK for .NET (4.x, default checksum behaviour: a CRC32 in a signed aws-chunked trailer
/// on every upload) against three real nodes: every bucket, object, listing, copy and multipart
/// operation, conditional and ranged reads, presigned URLs, and the refusals clients branch on.
/// Each test uses its own bucket and talks to different nodes, so each read crosses the cluster.
/// </summary>
[Collection(S3ClusterGroup.Name)]
[Trait("Category", "Distributed")]
public sealed class S3AwsSdkTests(S3Cluster s3)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Buckets_are_created_listed_located_and_deleted_only_when_empty()
    {
        using var node1 = s3.Aws("node1");
        using var node2 = s3.Aws("node2");
        await node1.PutBucketAsync("aws-buckets", Ct);
        Assert.Equal("BucketAlreadyOwnedByYou", (await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => node2.PutBucketAsync("aws-buckets", Ct))).ErrorCode);
        Assert.Contains((await node2.ListBucketsAsync(Ct)).Buckets, b => b.BucketName == "aws-buckets");
        var location = await node2.GetBucketLocationAsync("aws-buckets", Ct);
        Assert.True(string.IsNullOrEmpty(location.Location?.Value) || location.Location.Value == "us-east-1");
        Assert.Equal(HttpStatusCode.OK, (await node2.GetBucketVersioningAsync(new GetBucketVersioningRequest { BucketName = "aws-buckets" }, Ct)).HttpStatusCode);

        await node1.PutObjectAsync(new PutObjectRequest { BucketName = "aws-buckets", Key = "keep", ContentBody = "x" }, Ct);
        Assert.Equal("BucketNotEmpty", (await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => node2.DeleteBucketAsync("aws-buckets", Ct))).ErrorCode);
        await node2.DeleteObjectAsync("aws-buckets", "keep", Ct);
        await node2.DeleteBucketAsync("aws-buckets", Ct);
        Assert.DoesNotContain((await node1.ListBucketsAsync(Ct)).Buckets, b => b.BucketName == "aws-buckets");
        Assert.Equal("NoSuchBucket", (await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => node1.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "aws-buckets" }, Ct))).ErrorCode);
        Assert.Equal("InvalidBucketName", (await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => node1.PutBucketAsync("Not_A_Bucket", Ct))).ErrorCode);
    }

    [Fact]
    public async Task An_object_keeps_its_bytes_headers_metadata_md5_etag_and_checksum_on_every_node()
    {
        using var node1 = s3.Aws("node1");
        using var node3 = s3.Aws("node3");
        await node1.PutBucketAsync("aws-objects", Ct);
        var body = PatternStream.Bytes(0, 300_000, seed: 11);
        var put = new PutObjectRequest
        {
            BucketName = "aws-objects",
            Key = "dir/report café.bin",
            InputStream = new MemoryStream(body),
            ContentType = "application/x-report",
            ChecksumAlgorithm = ChecksumAlgorithm.CRC32,
        };
        put.Headers.ContentDisposition = "attachment; filename=report.bin";
        put.Headers.CacheControl = "max-age=60";
        put.Headers.ContentEncoding = "identity";
        put.Metadata.Add("color", "blue");
        var stored = await node1.PutObjectAsync(put, Ct);
        var md5 = Convert.ToHexStringLower(MD5.HashData(body));
        Assert.Equal($"\"{md5}\"", stored.ETag);

        foreach (var client in new[] { node1, node3 })
        {
            using var got = await client.GetObjectAsync(new GetObjectRequest { BucketName = "aws-objects", Key = "dir/report café.bin", ChecksumMode = ChecksumMode.ENABLED }, Ct);
            Assert.Equal(body, await ReadAllAsync(got.ResponseStream));
            Assert.Equal($"\"{md5}\"", got.ETag);
            Assert.Equal("application/x-report", got.Headers.ContentType);
            Assert.Equal("attachment; filename=report.bin", got.Headers.ContentDisposition);
            Assert.Equal("max-age=60", got.Headers.CacheControl);
            Assert.Equal("blue", got.Metadata["color"]);
            Assert.Equal(Convert.ToBase64String(S3Checksum.Compute(S3ChecksumAlgorithms.Crc32, body)), got.ChecksumCRC32);
        }

        var head = await node3.GetObjectMetadataAsync("aws-objects", "dir/report café.bin", Ct);
        Assert.Equal(body.Length, head.ContentLength);
        Assert.Equal("blue", head.Metadata["color"]);
        Assert.True(Math.Abs((head.LastModified!.Value.ToUniversalTime() - DateTime.UtcNow).TotalMinutes) < 5);

        var missing = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => node3.GetObjectAsync("aws-objects", "no-such-key", Ct));
        Assert.Equal(("NoSuchKey", HttpStatusCode.NotFound), (missing.ErrorCode, missing.StatusCode));
        Assert.Equal(32, missing.RequestId.Length);
        Assert.Equal("NoSuchBucket", (await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => node3.GetObjectAsync("aws-no-such-bucket", "k", Ct))).ErrorCode);

        await node3.DeleteObjectAsync("aws-objects", "dir/report café.bin", Ct);
        Assert.Equal("NoSuchKey", (await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => node1.GetObjectAsync("aws-objects", "dir/report café.bin", Ct))).ErrorCode);
    }

    [Fact]
    public async Task Ranges_conditions_and_response_overrides_are_answered_as_S3_does()
    {
        using var client = s3.Aws("node2");
        await client.PutBucketAsync("aws-reads", Ct);
        var body = PatternStream.Bytes(0, 1_000_000, seed: 12);
        var etag = (await client.PutObjectAsync(new PutObjectRequest { BucketName = "aws-reads", Key = "r", InputStream = new MemoryStream(body) }, Ct)).ETag;

        using (var range = await client.GetObjectAsync(new GetObjectRequest { BucketName = "aws-reads", Key = "r", ByteRange = new ByteRange(300_000, 300_099) }, Ct))
        {
            Assert.Equal(HttpStatusCode.PartialContent, range.HttpStatusCode);
            Assert.Equal(body[300_000..300_100], await ReadAllAsync(range.ResponseStream));
        }

        Assert.Equal("InvalidRange", (await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => client.GetObjectAsync(new GetObjectRequest { BucketName = "aws-reads", Key = "r", ByteRange = new ByteRange(2_000_000, 2_000_010) }, Ct))).ErrorCode);

        using (var matched = await client.GetObjectAsync(new GetObjectRequest { BucketName = "aws-reads", Key = "r", EtagToMatch = etag }, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, matched.HttpStatusCode);
        }

        var mismatch = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => client.GetObjectAsync(new GetObjectRequest { BucketName = "aws-reads", Key = "r", EtagToMatch = "\"0123\"" }, Ct));
        Assert.Equal(HttpStatusCode.PreconditionFailed, mismatch.StatusCode);
        var unmodified = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => client.GetObjectAsync(new GetObjectRequest { BucketName = "aws-reads", Key = "r", UnmodifiedSinceDate = DateTime.UtcNow.AddDays(-1) }, Ct));
        Assert.Equal(HttpStatusCode.PreconditionFailed, unmodified.StatusCode);
        var notModified = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => client.GetObjectAsync(new GetObjectRequest { BucketName = "aws-reads", Key = "r", EtagToNotMatch = etag }, Ct));
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        var notSince = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => client.GetObjectAsync(new GetObjectRequest { BucketName = "aws-reads", Key = "r", ModifiedSinceDate = DateTime.UtcNow.AddDays(1) }, Ct));
        Assert.Equal(HttpStatusCode.NotModified, notSince.StatusCode);

        var overridden = new GetObjectRequest { BucketName = "aws-reads", Key = "r" };
        overridden.ResponseHeaderOverrides.ContentType = "text/x-override";
        overridden.ResponseHeaderOverrides.ContentDisposition = "inline";
        using var response = await client.GetObjectAsync(overridden, Ct);
        Assert.Equal("text/x-override", response.Headers.ContentType);
        Assert.Equal("inline", response.Headers.ContentDisposition);
    }

    [Fact]
    public async Task DeleteObjects_removes_a_batch_and_quiet_mode_lists_only_errors()
    {
        using var client = s3.Aws("node3");
        await client.PutBucketAsync("aws-batch", Ct);
        for (var i = 0; i < 12; i++)
        {
            await client.PutObjectAsync(new PutObjectRequest { BucketName = "aws-batch", Key = $"k{i:D2}", ContentBody = $"v{i}" }, Ct);
        }

        var loud = await client.DeleteObjectsAsync(new DeleteObjectsRequest { BucketName = "aws-batch", Objects = [.. Enumerable.Range(0, 6).Select(i => new KeyVersion { Key = $"k{i:D2}" })] }, Ct);
        Assert.Equal(6, loud.DeletedObjects.Count);
        var quiet = await client.DeleteObjectsAsync(new DeleteObjectsRequest { BucketName = "aws-batch", Quiet = true, Objects = [.. Enumerable.Range(6, 6).Select(i => new KeyVersion { Key = $"k{i:D2}" })] }, Ct);
        Assert.Empty(quiet.DeletedObjects ?? []);
        Assert.Empty((await s3.Aws("node1").ListObjectsV2Async(new ListObjectsV2Request { BucketName = "aws-batch" }, Ct)).S3Objects ?? []);
    }

    [Fact]
    public async Task CopyObject_copies_metadata_or_replaces_it_and_the_copy_reads_the_same_bytes()
    {
        using var client = s3.Aws("node1");
        await client.PutBucketAsync("aws-copy", Ct);
        var body = PatternStream.Bytes(0, 700_000, seed: 13);
        var put = new PutObjectRequest { BucketName = "aws-copy", Key = "source", InputStream = new MemoryStream(body), ContentType = "image/png" };
        put.Metadata.Add("origin", "camera");
        await client.PutObjectAsync(put, Ct);

        var copied = await client.CopyObjectAsync(new CopyObjectRequest { SourceBucket = "aws-copy", SourceKey = "source", DestinationBucket = "aws-copy", DestinationKey = "copy" }, Ct);
        Assert.Equal($"\"{Convert.ToHexStringLower(MD5.HashData(body))}\"", copied.ETag);
        var replace = new CopyObjectRequest { SourceBucket = "aws-copy", SourceKey = "source", DestinationBucket = "aws-copy", DestinationKey = "replaced", MetadataDirective = S3MetadataDirective.REPLACE, ContentType = "text/plain" };
        replace.Metadata.Add("origin", "edited");
        await client.CopyObjectAsync(replace, Ct);

        using var node2 = s3.Aws("node2");
        using (var copy = await node2.GetObjectAsync("aws-copy", "copy", Ct))
        {
            Assert.Equal(body, await ReadAllAsync(copy.ResponseStream));
            Assert.Equal("image/png", copy.Headers.ContentType);
            Assert.Equal("camera", copy.Metadata["origin"]);
        }

        var head = await node2.GetObjectMetadataAsync("aws-copy", "replaced", Ct);
        Assert.Equal(("text/plain", "edited"), (head.Headers.ContentType, head.Metadata["origin"]));
        Assert.Equal("InvalidRequest", (await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => client.CopyObjectAsync(new CopyObjectRequest { SourceBucket = "aws-copy", SourceKey = "source", DestinationBucket = "aws-copy", DestinationKey = "source" }, Ct))).ErrorCode);
        Assert.Equal("NoSuchKey", (await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => client.CopyObjectAsync(new CopyObjectRequest { SourceBucket = "aws-copy", SourceKey = "absent", DestinationBucket = "aws-copy", DestinationKey = "x" }, Ct))).ErrorCode);
    }

    [Fact]
    public async Task A_delimiter_listing_over_5000_keys_pages_through_every_key_and_prefix_once()
    {
        using var client = s3.Aws("node2");
        await client.PutBucketAsync("aws-list", Ct);
        var keys = new List<string>();
        for (var d = 0; d < 50; d++)
        {
            for (var f = 0; f < 100; f++)
            {
                keys.Add($"photos/{d:D2}/img-{f:D3}.jpg");
            }
        }

        keys.AddRange(["photos/top-a.txt", "photos/top-b.txt", "readme.md", "weird key+é/x", "weird key+é/y"]);
        await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = Ct }, async (key, token) =>
        {
            using var writer = s3.Aws(key.Length % 3 == 0 ? "node1" : key.Length % 3 == 1 ? "node2" : "node3");
            await writer.PutObjectAsync(new PutObjectRequest { BucketName = "aws-list", Key = key, ContentBody = key, ChecksumAlgorithm = ChecksumAlgorithm.CRC32C }, token);
        });

        // Every key, 777 at a time (V2 continuation tokens), in S3's order.
        var listed = new List<string>();
        string? token = null;
        do
        {
            var page = await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "aws-list", MaxKeys = 777, ContinuationToken = token }, Ct);
            listed.AddRange(page.S3Objects.Select(o => o.Key));
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);
        Assert.Equal(keys.Order(StringComparer.Ordinal).ToList(), listed);

        // Delimited: 50 common prefixes and 2 keys under photos/, 7 items a page, each once.
        var prefixes = new List<string>();
        var files = new List<string>();
        token = null;
        do
        {
            var page = await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "aws-list", Prefix = "photos/", Delimiter = "/", MaxKeys = 7, ContinuationToken = token }, Ct);
            Assert.True(page.KeyCount <= 7);
            prefixes.AddRange(page.CommonPrefixes);
            files.AddRange(page.S3Objects.Select(o => o.Key));
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);
        Assert.Equal(Enumerable.Range(0, 50).Select(d => $"photos/{d:D2}/").ToList(), prefixes);
        Assert.Equal(["photos/top-a.txt", "photos/top-b.txt"], files);

        // V1 with markers, the top level: two prefixes and one key.
        var v1 = await client.ListObjectsAsync(new ListObjectsRequest { BucketName = "aws-list", Delimiter = "/", MaxKeys = 2 }, Ct);
        Assert.Equal(["photos/"], v1.CommonPrefixes);
        Assert.Equal(["readme.md"], v1.S3Objects.Select(o => o.Key));
        Assert.True(v1.IsTruncated);
        var rest = await client.ListObjectsAsync(new ListObjectsRequest { BucketName = "aws-list", Delimiter = "/", Marker = v1.NextMarker }, Ct);
        Assert.Equal(["weird key+é/"], rest.CommonPrefixes);

        // start-after, a prefix, and url encoding of awkward keys.
        var after = await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "aws-list", Prefix = "photos/49/", StartAfter = "photos/49/img-097.jpg" }, Ct);
        Assert.Equal(["photos/49/img-098.jpg", "photos/49/img-099.jpg"], after.S3Objects.Select(o => o.Key));
        var encoded = await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "aws-list", Prefix = "weird", Encoding = EncodingType.Url }, Ct);
        Assert.Equal(["weird key+é/x", "weird key+é/y"], encoded.S3Objects.Select(o => Uri.UnescapeDataString(o.Key)));
        Assert.All(encoded.S3Objects, o => Assert.DoesNotContain(" ", o.Key, StringComparison.Ordinal));
        Assert.All(encoded.S3Objects, o => Assert.Equal(32, o.ETag.Trim('"').Length));
    }

    [Fact]
    public async Task Multipart_upload_with_part_copy_lists_parts_and_completes_with_an_md5_of_md5s_etag()
    {
        using var client = s3.Aws("node3");
        await client.PutBucketAsync("aws-multipart", Ct);
        var source = PatternStream.Bytes(0, 6 << 20, seed: 14);
        await client.PutObjectAsync(new PutObjectRequest { BucketName = "aws-multipart", Key = "copy-source", InputStream = new MemoryStream(source) }, Ct);

        var started = await client.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = "aws-multipart", Key = "assembled", ContentType = "application/x-assembled", Metadata = { ["part"] = "yes" } }, Ct);
        var part1 = PatternStream.Bytes(0, 5 << 20, seed: 15);
        var part3 = PatternStream.Bytes(0, 123_456, seed: 16);
        var e1 = await client.UploadPartAsync(new UploadPartRequest { BucketName = "aws-multipart", Key = "assembled", UploadId = started.UploadId, PartNumber = 1, InputStream = new MemoryStream(part1) }, Ct);
        var e2 = await client.CopyPartAsync(new CopyPartRequest { SourceBucket = "aws-multipart", SourceKey = "copy-source", DestinationBucket = "aws-multipart", DestinationKey = "assembled", UploadId = started.UploadId, PartNumber = 2, FirstByte = 1 << 20, LastByte = (6 << 20) - 1 }, Ct);
        var e3 = await client.UploadPartAsync(new UploadPartRequest { BucketName = "aws-multipart", Key = "assembled", UploadId = started.UploadId, PartNumber = 3, InputStream = new MemoryStream(part3) }, Ct);

        var parts = await s3.Aws("node1").ListPartsAsync(new ListPartsRequest { BucketName = "aws-multipart", Key = "assembled", UploadId = started.UploadId }, Ct);
        Assert.Equal([1, 2, 3], parts.Parts.Select(p => p.PartNumber ?? 0));
        Assert.Equal([(long)(5 << 20), 5 << 20, 123_456], parts.Parts.Select(p => p.Size ?? 0));
        var uploads = await s3.Aws("node2").ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = "aws-multipart" }, Ct);
        Assert.Contains(uploads.MultipartUploads, u => u.UploadId == started.UploadId && u.Key == "assembled");

        // Refusals first: a wrong ETag, a small part before the last (the SDK sorts the list, so order is checked in S3ProtocolTests).
        Assert.Equal("InvalidPart", (await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => client.CompleteMultipartUploadAsync(Complete(started.UploadId, (1, e1.ETag), (2, "\"00000000000000000000000000000000\"")), Ct))).ErrorCode);
        var e4 = await client.UploadPartAsync(new UploadPartRequest { BucketName = "aws-multipart", Key = "assembled", UploadId = started.UploadId, PartNumber = 4, InputStream = new MemoryStream(part3) }, Ct);
        Assert.Equal("EntityTooSmall", (await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => client.CompleteMultipartUploadAsync(Complete(started.UploadId, (1, e1.ETag), (3, e3.ETag), (4, e4.ETag)), Ct))).ErrorCode);

        var done = await client.CompleteMultipartUploadAsync(Complete(started.UploadId, (1, e1.ETag), (2, e2.ETag), (3, e3.ETag)), Ct);
        var whole = part1.Concat(source[(1 << 20)..]).Concat(part3).ToArray();
        byte[] partMd5s = [.. MD5.HashData(part1), .. MD5.HashData(source[(1 << 20)..]), .. MD5.HashData(part3)];
        var expected = MD5.HashData(partMd5s);
        Assert.Equal($"\"{Convert.ToHexStringLower(expected)}-3\"", done.ETag);

        using var node1 = s3.Aws("node1");
        using var got = await node1.GetObjectAsync("aws-multipart", "assembled", Ct);
        Assert.Equal(SHA256.HashData(whole), SHA256.HashData(await ReadAllAsync(got.ResponseStream)));
        Assert.Equal(("application/x-assembled", "yes"), (got.Headers.ContentType, got.Metadata["part"]));
        Assert.Equal("NoSuchUpload", (await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => node1.ListPartsAsync(new ListPartsRequest { BucketName = "aws-multipart", Key = "assembled", UploadId = started.UploadId }, Ct))).ErrorCode);

        // Abort: the upload and its parts are gone.
        var aborted = await client.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = "aws-multipart", Key = "never" }, Ct);
        await client.UploadPartAsync(new UploadPartRequest { BucketName = "aws-multipart", Key = "never", UploadId = aborted.UploadId, PartNumber = 1, InputStream = new MemoryStream(part3) }, Ct);
        await client.AbortMultipartUploadAsync("aws-multipart", "never", aborted.UploadId, Ct);
        Assert.Equal("NoSuchUpload", (await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => client.UploadPartAsync(new UploadPartRequest { BucketName = "aws-multipart", Key = "never", UploadId = aborted.UploadId, PartNumber = 2, InputStream = new MemoryStream(part3) }, Ct))).ErrorCode);
    }

    [Fact]
    public async Task Presigned_get_and_put_work_until_they_expire()
    {
        using var client = s3.Aws("node1");
        await client.PutBucketAsync("aws-presign", Ct);
        using var http = new HttpClient();
        var putUrl = await client.GetPreSignedURLAsync(new GetPreSignedUrlRequest { BucketName = "aws-presign", Key = "shared.txt", Verb = HttpVerb.PUT, Protocol = Protocol.HTTP, Expires = DateTime.UtcNow.AddMinutes(5) });
        using (var put = await http.PutAsync(putUrl, new ByteArrayContent("shared through a URL"u8.ToArray()), Ct))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        var getUrl = await s3.Aws("node2").GetPreSignedURLAsync(new GetPreSignedUrlRequest { BucketName = "aws-presign", Key = "shared.txt", Verb = HttpVerb.GET, Protocol = Protocol.HTTP, Expires = DateTime.UtcNow.AddMinutes(5) });
        Assert.Equal("shared through a URL", await http.GetStringAsync(new Uri(getUrl), Ct));

        var shortLived = await client.GetPreSignedURLAsync(new GetPreSignedUrlRequest { BucketName = "aws-presign", Key = "shared.txt", Verb = HttpVerb.GET, Protocol = Protocol.HTTP, Expires = DateTime.UtcNow.AddSeconds(1) });
        await Task.Delay(TimeSpan.FromSeconds(2.5), Ct);
        using var expired = await http.GetAsync(new Uri(shortLived), Ct);
        Assert.Equal(HttpStatusCode.Forbidden, expired.StatusCode);
        var error = await expired.Content.ReadAsStringAsync(Ct);
        Assert.Contains("<Code>AccessDenied</Code>", error, StringComparison.Ordinal);
        Assert.Contains("expired", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_secret_an_unknown_key_and_a_skewed_clock_are_refused_with_S3s_codes()
    {
        using var wrong = s3.Aws("node1", secret: "not-the-secret-not-the-secret");
        Assert.Equal("SignatureDoesNotMatch", (await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => wrong.ListBucketsAsync(Ct))).ErrorCode);
        using var unknown = s3.Aws("node2", accessKey: "AKIANOBODY");
        Assert.Equal("InvalidAccessKeyId", (await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => unknown.ListBucketsAsync(Ct))).ErrorCode);

        // The SDK corrects its clock on RequestTimeTooSkewed, so the skew is signed by hand.
        var endpoint = s3.Endpoint("node3");
        var skewed = DateTimeOffset.UtcNow.AddMinutes(-20);
        var amzDate = SigV4.FormatDate(skewed);
        var date = amzDate[..8];
        var host = $"{endpoint.Host}:{endpoint.Port}";
        var canonical = SigV4.CanonicalRequest("GET", "/", string.Empty, [new("host", host), new("x-amz-content-sha256", SigV4.EmptySha256), new("x-amz-date", amzDate)], "host;x-amz-content-sha256;x-amz-date", SigV4.EmptySha256);
        var signature = SigV4.Sign(SigV4.SigningKey(s3.SecretKey, date, S3Cluster.Region), SigV4.StringToSign(amzDate, SigV4.Scope(date, S3Cluster.Region), canonical));
        using var http = new HttpClient { BaseAddress = endpoint };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.TryAddWithoutValidation("x-amz-date", amzDate);
        request.Headers.TryAddWithoutValidation("x-amz-content-sha256", SigV4.EmptySha256);
        request.Headers.TryAddWithoutValidation("Authorization", $"AWS4-HMAC-SHA256 Credential={s3.AccessKey}/{date}/{S3Cluster.Region}/s3/aws4_request,SignedHeaders=host;x-amz-content-sha256;x-amz-date,Signature={signature}");
        using var response = await http.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("<Code>RequestTimeTooSkewed</Code>", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Objects_cross_between_the_native_api_and_s3_with_their_type_and_etag()
    {
        using var client = s3.Aws("node2");
        await client.PutBucketAsync("aws-cross", Ct);
        using (var nativePut = new ByteArrayContent("written natively"u8.ToArray()))
        {
            nativePut.Headers.ContentType = new MediaTypeHeaderValue("text/markdown");
            using var stored = await s3.Native("node1").PutAsync("/v1/objects/aws-cross/notes/n.md", nativePut, Ct);
            Assert.Equal(HttpStatusCode.Created, stored.StatusCode);
        }

        using (var got = await client.GetObjectAsync("aws-cross", "notes/n.md", Ct))
        {
            Assert.Equal("written natively", Encoding.UTF8.GetString(await ReadAllAsync(got.ResponseStream)));
            Assert.Equal("text/markdown", got.Headers.ContentType);
        }

        Assert.Contains((await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "aws-cross", Prefix = "notes/" }, Ct)).S3Objects, o => o.Key == "notes/n.md");

        var body = PatternStream.Bytes(0, 2_500_000, seed: 17);
        var put = await client.PutObjectAsync(new PutObjectRequest { BucketName = "aws-cross", Key = "via s3.bin", InputStream = new MemoryStream(body), ContentType = "application/x-s3" }, Ct);
        using var native = await s3.Native("node3").GetAsync("/v1/objects/aws-cross/via%20s3.bin", Ct);
        Assert.Equal(HttpStatusCode.OK, native.StatusCode);
        Assert.Equal(body, await native.Content.ReadAsByteArrayAsync(Ct));
        Assert.Equal("application/x-s3", native.Content.Headers.ContentType?.MediaType);
        Assert.Equal(put.ETag, native.Headers.ETag?.Tag);
    }

    private static CompleteMultipartUploadRequest Complete(string uploadId, params (int Number, string ETag)[] parts)
        => new()
        {
            BucketName = "aws-multipart",
            Key = "assembled",
            UploadId = uploadId,
            PartETags = [.. parts.Select(p => new PartETag(p.Number, p.ETag))],
        };

    internal static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        using var memory = new MemoryStream();
        await stream.CopyToAsync(memory, Ct);
        return memory.ToArray();
    }
}
