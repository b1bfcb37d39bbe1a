#pragma warning disable CA5351 // S3 ETags are MD5s: the tests compute what clients compare.
using System.Net;
using System.Security.Cryptography;
using Minio.DataModel.Args;
using Minio.Exceptions;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Api.S3;

/// <summary>
/// MinIO's .NET SDK (7.0) against three real nodes: buckets, single-part and multipart uploads
/// (its own aws-chunked signing), stat, whole and ranged reads, recursive and delimited listings,
/// copy, batch and single removal, and presigned GET and PUT URLs.
/// </summary>
[Collection(S3ClusterGroup.Name)]
[Trait("Category", "Distributed")]
public sealed class S3MinioSdkTests(S3Cluster s3)
{
    private const string Bucket = "minio-objects";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Buckets_objects_listings_copies_and_presigned_urls_work_through_the_minio_sdk()
    {
        var node3 = s3.Minio("node3");
        var node1 = s3.Minio("node1");
        await node3.MakeBucketAsync(new MakeBucketArgs().WithBucket(Bucket), Ct);
        Assert.True(await node1.BucketExistsAsync(new BucketExistsArgs().WithBucket(Bucket), Ct));
        Assert.False(await node1.BucketExistsAsync(new BucketExistsArgs().WithBucket("minio-absent"), Ct));
        Assert.Contains((await node1.ListBucketsAsync(Ct)).Buckets, b => b.Name == Bucket);

        var small = "small object through minio"u8.ToArray();
        await node3.PutObjectAsync(
            new PutObjectArgs().WithBucket(Bucket).WithObject("docs/small.txt").WithStreamData(new MemoryStream(small)).WithObjectSize(small.Length)
                .WithContentType("text/plain").WithHeaders(new Dictionary<string, string> { ["x-amz-meta-owner"] = "minio" }),
            Ct);
        const long LargeSize = 12L << 20;
        await node3.PutObjectAsync(new PutObjectArgs().WithBucket(Bucket).WithObject("docs/large.bin").WithStreamData(new PatternStream(LargeSize, 21)).WithObjectSize(LargeSize), Ct);

        var stat = await node1.StatObjectAsync(new StatObjectArgs().WithBucket(Bucket).WithObject("docs/small.txt"), Ct);
        Assert.Equal(small.Length, stat.Size);
        Assert.Equal("text/plain", stat.ContentType);
        Assert.Equal(Convert.ToHexStringLower(MD5.HashData(small)), stat.ETag.Trim('"'));
        Assert.Contains(stat.MetaData, m => m.Key.EndsWith("owner", StringComparison.OrdinalIgnoreCase) && m.Value == "minio");
        var large = await node1.StatObjectAsync(new StatObjectArgs().WithBucket(Bucket).WithObject("docs/large.bin"), Ct);
        Assert.Equal(LargeSize, large.Size);
        Assert.Contains("-", large.ETag, StringComparison.Ordinal);

        string? hash = null;
        await node1.GetObjectAsync(new GetObjectArgs().WithBucket(Bucket).WithObject("docs/large.bin").WithCallbackStream(async (stream, token) => hash = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, token))), Ct);
        Assert.Equal(PatternStream.Sha256(LargeSize, 21), hash);
        byte[]? slice = null;
        await node1.GetObjectAsync(new GetObjectArgs().WithBucket(Bucket).WithObject("docs/large.bin").WithOffsetAndLength(5_000_000, 1000).WithCallbackStream(async (stream, token) => slice = await S3AwsSdkTests.ReadAllAsync(stream)), Ct);
        Assert.Equal(PatternStream.Bytes(5_000_000, 1000, 21), slice);

        var recursive = new List<string>();
        await foreach (var item in node1.ListObjectsEnumAsync(new ListObjectsArgs().WithBucket(Bucket).WithRecursive(true), Ct))
        {
            recursive.Add(item.Key);
        }

        Assert.Equal(["docs/large.bin", "docs/small.txt"], recursive);
        var top = new List<(string Key, bool IsDir)>();
        await foreach (var item in node1.ListObjectsEnumAsync(new ListObjectsArgs().WithBucket(Bucket).WithRecursive(false), Ct))
        {
            top.Add((item.Key, item.IsDir));
        }

        Assert.Equal([("docs/", true)], top);

        await node1.CopyObjectAsync(new CopyObjectArgs().WithBucket(Bucket).WithObject("copy.txt").WithCopyObjectSource(new CopySourceObjectArgs().WithBucket(Bucket).WithObject("docs/small.txt")), Ct);
        Assert.Equal(small.Length, (await node3.StatObjectAsync(new StatObjectArgs().WithBucket(Bucket).WithObject("copy.txt"), Ct)).Size);

        using var http = new HttpClient();
        var putUrl = await node1.PresignedPutObjectAsync(new PresignedPutObjectArgs().WithBucket(Bucket).WithObject("presigned.txt").WithExpiry(300));
        using (var put = await http.PutAsync(new Uri(putUrl), new ByteArrayContent("put by url"u8.ToArray()), Ct))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        var getUrl = await node3.PresignedGetObjectAsync(new PresignedGetObjectArgs().WithBucket(Bucket).WithObject("presigned.txt").WithExpiry(300));
        Assert.Equal("put by url", await http.GetStringAsync(new Uri(getUrl), Ct));

        await Assert.ThrowsAsync<ObjectNotFoundException>(() => node1.StatObjectAsync(new StatObjectArgs().WithBucket(Bucket).WithObject("absent"), Ct));
        await Assert.ThrowsAnyAsync<MinioException>(() => node1.RemoveBucketAsync(new RemoveBucketArgs().WithBucket(Bucket), Ct));

        var errors = await node3.RemoveObjectsAsync(new RemoveObjectsArgs().WithBucket(Bucket).WithObjects(["docs/small.txt", "docs/large.bin", "copy.txt"]), Ct);
        Assert.Empty(errors);
        await node3.RemoveObjectAsync(new RemoveObjectArgs().WithBucket(Bucket).WithObject("presigned.txt"), Ct);
        await node1.RemoveBucketAsync(new RemoveBucketArgs().WithBucket(Bucket), Ct);
        Assert.False(await node3.BucketExistsAsync(new BucketExistsArgs().WithBucket(Bucket), Ct));
    }
}
