using System.Net;
using System.Security.Cryptography;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Cluster;

/// <summary>
/// A GET through a placed replica that lacks the object (its blob went missing) streams a holder's
/// copy through to the client and keeps the bytes it verified on the way, on real files and
/// sockets; bytes that fail verification are never kept.
/// </summary>
[Trait("Category", "InProcess")]
public sealed class ReplicaRefillTests
{
    private const string Key = "refill.bin";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_GET_through_a_replica_that_lost_its_blob_serves_the_right_bytes_and_keeps_a_verified_copy_from_the_same_pass()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        var node1 = cluster["node1"];
        var content = DemoFiles.RandomBytes((3 << 20) + 4321, seed: 41);
        await StoreEverywhereAsync(cluster, content);
        File.Delete(StoredBlobs.FileOf(node1, Key));

        using var response = await node1.Http.GetAsync($"/v1/objects/{Key}", HttpCompletionOption.ResponseHeadersRead, Ct);
        var body = await response.Content.ReadAsByteArrayAsync(Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotEqual("local", response.Headers.GetValues("X-PeerVault-Served-By").Single());
        Assert.Equal(SHA256.HashData(content), SHA256.HashData(body));
        // The copy is committed after the client has its last byte.
        await Poll.UntilAsync(() => StoredBlobs.IsIntact(node1, Key), "node1 holds a verified copy again");
        Assert.True(node1.Logs.Contains("kept the verified copy"), "the copy came from the read itself, not from a later pull");
        Assert.Empty(TemporaryFiles(node1));

        // And node1 now serves it from its own disk.
        using var again = await node1.Http.GetAsync($"/v1/objects/{Key}", Ct);
        Assert.Equal("local", again.Headers.GetValues("X-PeerVault-Served-By").Single());
        Assert.Equal(content, await again.Content.ReadAsByteArrayAsync(Ct));
    }

    [Fact]
    public async Task A_range_GET_through_a_replica_that_lost_its_blob_serves_the_range_and_the_copy_is_restored_in_the_background()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        var node1 = cluster["node1"];
        var content = DemoFiles.RandomBytes((2 << 20) + 5, seed: 42);
        await StoreEverywhereAsync(cluster, content);
        File.Delete(StoredBlobs.FileOf(node1, Key));

        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/objects/{Key}");
        request.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(700_000, 1_800_000);
        using var response = await node1.Http.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal(content.AsSpan(700_000, 1_100_001).ToArray(), await response.Content.ReadAsByteArrayAsync(Ct));
        await Poll.UntilAsync(() => StoredBlobs.IsIntact(node1, Key), "node1's copy is restored");
    }

    [Fact]
    public async Task A_GET_through_a_replica_that_lost_its_blob_keeps_nothing_when_every_holders_copy_fails_mid_body()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        var node1 = cluster["node1"];
        var content = DemoFiles.RandomBytes((3 << 20) + 17, seed: 43);
        await StoreEverywhereAsync(cluster, content);
        var blob = StoredBlobs.FileOf(node1, Key);
        File.Delete(blob);
        // The same chunk rots on both holders, past the first four that reach the client intact.
        foreach (var holder in new[] { cluster["node2"], cluster["node3"] })
        {
            StoredBlobs.FlipByte(StoredBlobs.FileOf(holder, Key), (6L * ((256 * 1024) + 21)) + 101 + 77);
        }

        using var response = await node1.Http.GetAsync($"/v1/objects/{Key}", HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var received = new MemoryStream();
        await using (var body = await response.Content.ReadAsStreamAsync(Ct))
        {
            // Cut short: a truncated body, never wrong bytes.
            await Assert.ThrowsAnyAsync<IOException>(() => body.CopyToAsync(received, Ct));
        }

        Assert.True(received.Length < content.Length);
        Assert.Equal(content.AsSpan(0, (int)received.Length).ToArray(), received.ToArray());
        // The read's own copy is dropped, and the background restore it leaves finds no intact source either.
        await Poll.UntilAsync(() => node1.Logs.Contains("No member could provide a verified copy of refill.bin"), "node1's restore gave up");
        Assert.False(node1.Logs.Contains("kept the verified copy"), "no copy was kept from the read");
        Assert.False(File.Exists(blob));
        Assert.False(node1.Store.TryGetLocal(Key, out _));
        Assert.Empty(TemporaryFiles(node1));
    }

    private static async Task StoreEverywhereAsync(TestCluster cluster, byte[] content)
    {
        await cluster["node2"].Http.PutObjectAsync(Key, content);
        await Poll.UntilAsync(() => cluster.Nodes.All(n => n.Store.TryGetLocal(Key, out _)), $"every node holds {Key}");
    }

    private static string[] TemporaryFiles(TestNode node) => Directory.GetFiles(Path.Combine(node.Store.Blobs.Root, "tmp"));
}
