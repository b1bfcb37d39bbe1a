using System.Net;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Cluster.Repair;

/// <summary>
/// Bit rot in a stored blob, on real files and sockets: a reader never sees it (the response goes on
/// from a replica at the same offset), scrub finds it where nobody reads, HEAD ?verify finds it on
/// request, and every time the bad copy is quarantined (kept as evidence) and restored from a replica.
/// </summary>
[Trait("Category", "InProcess")]
public sealed class IntegrityHealingTests
{
    private static readonly string[] OtherReplicas = ["node1", "node3"];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_GET_whose_local_copy_fails_mid_body_continues_from_a_replica_and_the_copy_is_quarantined_and_restored()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        var node1 = cluster["node1"];
        var content = DemoFiles.RandomBytes((2 << 20) + 777, seed: 11);
        await cluster["node2"].Http.PutObjectAsync("rot.bin", content);
        await Poll.UntilAsync(() => cluster.Nodes.All(n => n.Store.TryGetLocal("rot.bin", out _)), "every node holds rot.bin");
        var blobId = StoredBlobs.BlobIdOf(node1, "rot.bin");

        // Past the first four 256 KiB chunks: they reach the client before the bad one is read.
        StoredBlobs.FlipByte(StoredBlobs.FileOf(node1, "rot.bin"), (1 << 20) + 4096);

        using var response = await node1.Http.GetAsync("/v1/objects/rot.bin", HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("local", response.Headers.GetValues("X-PeerVault-Served-By").Single());
        var body = await response.Content.ReadAsByteArrayAsync(Ct);

        Assert.Equal(content.Length, body.Length);
        Assert.Equal(SHA256.HashData(content), SHA256.HashData(body));
        Assert.True(node1.Logs.Contains("continuing the same response from"), "the read went on from a replica after the local copy failed");
        Assert.Single(StoredBlobs.Quarantined(node1, blobId));
        await Poll.UntilAsync(() => StoredBlobs.IsIntact(node1, "rot.bin"), "node1's copy is restored from a replica");
    }

    [Fact]
    public async Task A_range_GET_that_meets_a_corrupt_chunk_mid_body_also_continues_from_a_replica()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        var node1 = cluster["node1"];
        var content = DemoFiles.RandomBytes((2 << 20) + 99, seed: 12);
        await cluster["node3"].Http.PutObjectAsync("range.bin", content);
        await Poll.UntilAsync(() => cluster.Nodes.All(n => n.Store.TryGetLocal("range.bin", out _)), "every node holds range.bin");
        StoredBlobs.FlipByte(StoredBlobs.FileOf(node1, "range.bin"), (5L * (256 * 1024 + 21)) + 101 + 50);

        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/objects/range.bin");
        request.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(300_000, 1_900_000);
        using var response = await node1.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
        var body = await response.Content.ReadAsByteArrayAsync(Ct);

        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal(content.AsSpan(300_000, 1_600_001).ToArray(), body);
        await Poll.UntilAsync(() => StoredBlobs.IsIntact(node1, "range.bin"), "node1's copy is restored");
    }

    [Fact]
    public async Task A_GET_streamed_through_from_a_replica_that_stops_mid_body_continues_from_the_other_replica()
    {
        // R=2 of 3: node3 is placed on no partition of the key below, so it streams a holder's copy through.
        // A stopping node's transfer blocked by back-pressure ends when the reader's idle timeout closes
        // the connection: a short one keeps the test short.
        await using var cluster = await TestCluster.StartAsync(3, settings: new Dictionary<string, string?> { ["PEERVAULT_REPLICAS"] = "2", ["PEERVAULT_IDLE_TIMEOUT_SECONDS"] = "4" });
        var node3 = cluster["node3"];
        var placement = node3.Services.GetRequiredService<PeerVault.Node.Cluster.Placement.PlacementMap>();
        var key = Enumerable.Range(0, 1000).Select(i => $"through-{i}.bin").First(k => placement.ReplicasOf(k).All(m => !m.IsSelf));
        // Larger than every buffer on the way (socket buffers grow to several MiB each), so the source is still sending.
        var content = DemoFiles.RandomBytes(48 << 20, seed: 16);
        await cluster["node1"].Http.PutObjectAsync(key, content);
        var holders = placement.ReplicasOf(key).Select(m => cluster[m.Name]).ToList();
        await Poll.UntilAsync(() => holders.All(n => n.Store.TryGetLocal(key, out _)), "both replicas hold the key");

        using var response = await node3.Http.GetAsync($"/v1/objects/{key}", HttpCompletionOption.ResponseHeadersRead, Ct);
        var source = cluster[response.Headers.GetValues("X-PeerVault-Served-By").Single()];
        await using var body = await response.Content.ReadAsStreamAsync(Ct);
        var first = new byte[1 << 20];
        await body.ReadExactlyAsync(first, Ct);

        // The client has stopped reading, so the transfer is held up by back-pressure; its source goes away.
        await source.DisposeAsync();
        using var rest = new MemoryStream();
        await body.CopyToAsync(rest, Ct);

        Assert.Equal(SHA256.HashData(content), SHA256.HashData([.. first, .. rest.ToArray()]));
        Assert.True(node3.Logs.Contains("continuing the same response from"), "the read went on from the other replica");
    }

    [Fact]
    public async Task Scrub_finds_a_flipped_byte_in_a_blob_nobody_reads_quarantines_it_restores_it_and_counts_it()
    {
        await using var cluster = await TestCluster.StartAsync(3, settings: new Dictionary<string, string?> { ["PEERVAULT_SCRUB_INTERVAL_SECONDS"] = "0.3" });
        var node3 = cluster["node3"];
        using var measurements = new NodeMeasurements(node3);
        var content = DemoFiles.RandomBytes((1 << 20) + 5, seed: 13);
        await cluster["node1"].Http.PutObjectAsync("quiet.bin", content);
        await Poll.UntilAsync(() => node3.Store.TryGetLocal("quiet.bin", out _), "node3 holds quiet.bin");
        var blobId = StoredBlobs.BlobIdOf(node3, "quiet.bin");

        StoredBlobs.FlipByte(StoredBlobs.FileOf(node3, "quiet.bin"), 600_000);

        await Poll.UntilAsync(() => StoredBlobs.Quarantined(node3, blobId).Count == 1 && StoredBlobs.IsIntact(node3, "quiet.bin"), "scrub quarantines and restores node3's copy");
        await Poll.UntilAsync(() => measurements.Sum("peervault.scrub.repaired") >= 1, "the repair is counted");
        Assert.True(measurements.Sum("peervault.scrub.corrupt") >= 1);
        Assert.True(measurements.Sum("peervault.scrub.blobs") >= 1);
        Assert.True(measurements.Sum("peervault.scrub.bytes") >= content.Length);
        Assert.True(node3.Logs.Contains($"Scrub: blob {blobId} of quiet.bin is corrupt"));
        Assert.True(node3.Logs.Contains("Scrub pass finished"));
        measurements.Observe();
        Assert.InRange(measurements.Sum("peervault.scrub.progress"), 0, 1000);
        Assert.Equal(content, await node3.Http.GetObjectAsync("quiet.bin"));
    }

    [Fact]
    public async Task HEAD_with_verify_reads_the_local_copy_whole_and_answers_from_a_verified_replica_when_it_is_corrupt()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        var node2 = cluster["node2"];
        await cluster["node1"].Http.PutObjectAsync("checked.bin", DemoFiles.RandomBytes(700_000, seed: 14));
        await Poll.UntilAsync(() => node2.Store.TryGetLocal("checked.bin", out _), "node2 holds checked.bin");
        var blobId = StoredBlobs.BlobIdOf(node2, "checked.bin");

        using (var healthy = await node2.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/v1/objects/checked.bin?verify=true"), Ct))
        {
            Assert.Equal(HttpStatusCode.OK, healthy.StatusCode);
            Assert.Equal("local", healthy.Headers.GetValues("X-PeerVault-Verified").Single());
            Assert.Equal("ok", healthy.Headers.GetValues("X-PeerVault-Local-Copy").Single());
        }

        StoredBlobs.FlipByte(StoredBlobs.FileOf(node2, "checked.bin"), 300_000);
        using (var plain = await node2.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/v1/objects/checked.bin"), Ct))
        {
            // Without ?verify a HEAD reads no bytes: it cannot know.
            Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
            Assert.False(plain.Headers.Contains("X-PeerVault-Verified"));
        }

        using var verified = await node2.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/v1/objects/checked.bin?verify=true"), Ct);

        Assert.Equal(HttpStatusCode.OK, verified.StatusCode);
        Assert.Contains(verified.Headers.GetValues("X-PeerVault-Verified").Single(), OtherReplicas);
        Assert.Equal("restored", verified.Headers.GetValues("X-PeerVault-Local-Copy").Single());
        Assert.Equal(blobId, verified.Headers.ETag?.Tag.Trim('"'));
        Assert.Single(StoredBlobs.Quarantined(node2, blobId));
        Assert.True(StoredBlobs.IsIntact(node2, "checked.bin"));
    }

    [Fact]
    public async Task HEAD_with_verify_answers_502_when_no_copy_is_intact()
    {
        await using var cluster = await TestCluster.StartAsync(2, settings: new Dictionary<string, string?> { ["PEERVAULT_REPLICAS"] = "2" });
        await cluster["node1"].Http.PutObjectAsync("gone.bin", DemoFiles.RandomBytes(300_000, seed: 15));
        await Poll.UntilAsync(() => cluster.Nodes.All(n => n.Store.TryGetLocal("gone.bin", out _)), "both nodes hold gone.bin");
        foreach (var node in cluster.Nodes)
        {
            StoredBlobs.FlipByte(StoredBlobs.FileOf(node, "gone.bin"), 200_000);
        }

        using var response = await cluster["node1"].Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/v1/objects/gone.bin?verify=true"), Ct);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Single(StoredBlobs.Quarantined(cluster["node1"], StoredBlobs.BlobIdOf(cluster["node1"], "gone.bin")));
    }
}
