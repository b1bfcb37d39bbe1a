using System.Security.Cryptography;
using Amazon.S3.Model;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Api.S3;

/// <summary>
/// A 100 MiB multipart upload through the AWS SDK while one of the three nodes is SIGKILLed between
/// parts: the parts written after it died still reach a write quorum, the completion assembles
/// them, and the object reads back whole, byte for byte, through a third node. The node is
/// restarted afterwards, so the shared cluster is whole again for the other S3 tests.
/// </summary>
[Collection(S3ClusterGroup.Name)]
[Trait("Category", "Distributed")]
public sealed class S3NodeFailureTests(S3Cluster s3)
{
    private const int Seed = 100;
    private const long PartSize = 10L << 20;
    private const int Parts = 10;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_100_MiB_multipart_upload_completes_with_a_node_killed_between_parts()
    {
        using var client = s3.Aws("node1");
        await client.PutBucketAsync("aws-node-kill", Ct);
        var upload = await client.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = "aws-node-kill", Key = "hundred.bin" }, Ct);
        var etags = new List<PartETag>();
        try
        {
            for (var part = 1; part <= Parts; part++)
            {
                if (part == 5)
                {
                    await s3.Cluster.KillAsync("node2");
                }

                var uploaded = await client.UploadPartAsync(
                    new UploadPartRequest
                    {
                        BucketName = "aws-node-kill",
                        Key = "hundred.bin",
                        UploadId = upload.UploadId,
                        PartNumber = part,
                        InputStream = new PatternStream(PartSize, Seed, (part - 1) * PartSize),
                    },
                    Ct);
                etags.Add(new PartETag(part, uploaded.ETag));
            }

            var done = await client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest { BucketName = "aws-node-kill", Key = "hundred.bin", UploadId = upload.UploadId, PartETags = etags }, Ct);
            Assert.EndsWith($"-{Parts}\"", done.ETag, StringComparison.Ordinal);

            using var reader = s3.Aws("node3");
            using var got = await reader.GetObjectAsync("aws-node-kill", "hundred.bin", Ct);
            Assert.Equal(Parts * PartSize, got.ContentLength);
            var hash = Convert.ToHexStringLower(await SHA256.HashDataAsync(got.ResponseStream, Ct));
            Assert.Equal(PatternStream.Sha256(Parts * PartSize, Seed), hash);
        }
        finally
        {
            await s3.Cluster.StartAsync("node2");
            await s3.Cluster.WaitUntilSeesAsync("node1", ["node2", "node3"]);
        }
    }
}
