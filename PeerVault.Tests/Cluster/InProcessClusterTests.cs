using System.Net;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Cluster;

[Trait("Category", "InProcess")]
public sealed class InProcessClusterTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Twenty_files_stored_through_node3_read_back_identically_from_every_node_and_never_rest_in_plaintext()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        var node3 = cluster["node3"];

        foreach (var key in DemoFiles.Keys)
        {
            var stored = await node3.Http.PutObjectAsync(key, DemoFiles.ContentBytes);
            Assert.Equal(key, stored.GetProperty("key").GetString());
            Assert.Equal(DemoFiles.ContentBytes.Length, stored.GetProperty("size").GetInt64());
            Assert.Contains("node3", stored.Replicas());
            Assert.True(stored.Replicas().Count >= 2, "a PUT returns once a peer holds the object durably too");
        }

        foreach (var node in cluster.Nodes)
        {
            foreach (var key in DemoFiles.Keys)
            {
                Assert.Equal(DemoFiles.ContentBytes, await node.Http.GetObjectAsync(key));
            }
        }

        Assert.Empty(Plaintext.FilesContaining(cluster.Root, DemoFiles.ContentBytes));
    }

    [Fact]
    public async Task A_multi_chunk_object_replicates_to_every_peer_as_the_same_ciphertext()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        var content = DemoFiles.RandomBytes((3 << 20) + 12345, seed: 7);

        var stored = await cluster["node3"].Http.PutObjectAsync("big.bin", content);
        var objectId = stored.GetProperty("objectId").GetString()!;

        foreach (var node in cluster.Nodes)
        {
            Assert.Equal(content, await node.Http.GetObjectAsync("big.bin"));
            Assert.True(node.Store.TryGetLocal("big.bin", out var entry));
            Assert.Equal(objectId, entry.BlobId);
        }

        Assert.Empty(Plaintext.FilesContaining(cluster.Root, content.AsSpan(100_000, 64)));
    }

    [Fact]
    public async Task A_node_that_joins_later_receives_what_it_is_placed_to_hold_without_anyone_reading_it()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        await cluster["node1"].Http.PutObjectAsync("early.txt", "stored before node3 existed"u8.ToArray());
        using var directory = new TempDirectory();
        await using var late = await TestNode.StartAsync("node3", directory.Path, cluster.Secrets, cluster.Nodes.Select(n => n.P2PPort));
        await late.WaitForPeersAsync(2);

        // R=3 on three nodes: node3 is a replica of everything, and anti-entropy brings it the object.
        await Poll.UntilAsync(() => late.Store.TryGetLocal("early.txt", out _), "node3 holds early.txt");
        using var response = await late.Http.GetAsync("/v1/objects/early.txt", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("stored before node3 existed", await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal("local", response.Headers.GetValues("X-PeerVault-Served-By").Single());
    }

    [Fact]
    public async Task A_replica_filled_by_anti_entropy_answers_with_the_content_type_and_etag_the_object_was_written_with()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        using (var body = new ByteArrayContent("<svg/>"u8.ToArray()))
        {
            body.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("image/svg+xml");
            using var stored = await cluster["node1"].Http.PutAsync("/v1/objects/typed.svg", body, Ct);
            Assert.Equal(HttpStatusCode.Created, stored.StatusCode);
        }

        using var directory = new TempDirectory();
        await using var late = await TestNode.StartAsync("node3", directory.Path, cluster.Secrets, cluster.Nodes.Select(n => n.P2PPort));
        await late.WaitForPeersAsync(2);
        await Poll.UntilAsync(() => late.Store.TryGetLocal("typed.svg", out _), "node3 holds typed.svg");

        // Served from node3's own repaired copy, with the headers the writer gave.
        Assert.True(late.Store.Index.TryGet("typed.svg", out var repaired));
        Assert.Equal("image/svg+xml", repaired.Metadata?.ContentType);
        using var response = await late.Http.GetAsync("/v1/objects/typed.svg", Ct);
        Assert.Equal("local", response.Headers.GetValues("X-PeerVault-Served-By").Single());
        Assert.Equal("image/svg+xml", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_delete_through_one_node_removes_the_object_everywhere()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        await cluster["node1"].Http.PutObjectAsync("doomed.txt", [1, 2, 3]);

        using var deleted = await cluster["node2"].Http.DeleteAsync("/v1/objects/doomed.txt", Ct);

        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        foreach (var node in cluster.Nodes)
        {
            using var response = await node.Http.GetAsync("/v1/objects/doomed.txt", Ct);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }
    }

    [Fact]
    public async Task Head_listing_and_cluster_views_describe_what_is_stored_and_who_is_connected()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        await cluster["node1"].Http.PutObjectAsync("dir/a.txt", [1, 2, 3, 4]);
        await cluster["node1"].Http.PutObjectAsync("other.txt", [5]);

        using var head = new HttpRequestMessage(HttpMethod.Head, "/v1/objects/dir/a.txt");
        using var headResponse = await cluster["node1"].Http.SendAsync(head, Ct);
        Assert.Equal(HttpStatusCode.OK, headResponse.StatusCode);
        Assert.Equal(4, headResponse.Content.Headers.ContentLength);

        var listing = await cluster["node1"].Http.GetJsonAsync("/v1/objects?prefix=dir/");
        Assert.Equal(["dir/a.txt"], listing.GetProperty("objects").EnumerateArray().Select(o => o.GetProperty("key").GetString()));

        var view = await cluster["node2"].Http.GetJsonAsync("/v1/cluster");
        Assert.Equal("node2", view.GetProperty("node").GetProperty("name").GetString());
        Assert.Equal(3, view.GetProperty("node").GetProperty("replicas").GetInt32());
        var members = view.GetProperty("members").EnumerateArray().ToList();
        Assert.Equal(["node1", "node2", "node3"], members.Select(p => p.GetProperty("name").GetString()).Order());
        Assert.All(members, p => Assert.Equal("alive", p.GetProperty("state").GetString()));
        Assert.True(Assert.Single(members, m => m.GetProperty("self").GetBoolean()).GetProperty("name").GetString() == "node2");
        await Poll.UntilAsync(
            async () => (await cluster["node2"].Http.GetJsonAsync("/v1/cluster")).GetProperty("replication").GetProperty("underReplicated").GetInt32() == 0,
            "node2 knows both its objects are on all three replicas");
    }

    [Theory]
    [InlineData("/v1/objects/", "empty")]
    [InlineData("/v1/objects/%FF%FE", "UTF-8")]
    [InlineData("/v1/objects/bad%01key", "control")]
    [InlineData("/v1/objects/bad%zzkey", "percent")]
    [InlineData("/v1/objects/bad%2", "percent")]
    [InlineData("/v1/objects/zero%E2%80%8Bwidth", "invisible format")]
    [InlineData("/v1/objects/bidi%E2%80%AEoverride", "invisible format")]
    [InlineData("/v1/objects/nel%C2%85line", "control")]
    public async Task Bad_keys_in_urls_get_a_400_with_a_reason(string rawTarget, string reason)
    {
        await using var cluster = await TestCluster.StartAsync(1);
        var node = cluster["node1"];

        var (status, body) = await RawHttp.SendAsync(node.Http.BaseAddress!, "PUT", rawTarget, [1], cluster.Secrets.ApiKey);

        Assert.Equal(400, status);
        Assert.Contains(reason, body, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(node.Store.Index.Page(null, null, int.MaxValue));
    }

    [Fact]
    public async Task A_key_typed_decomposed_NFD_is_the_same_object_as_its_composed_NFC_form()
    {
        await using var cluster = await TestCluster.StartAsync(1);
        var node = cluster["node1"];

        // "café" with é as one code point (NFC), then as e + combining acute accent (NFD).
        var (put, _) = await RawHttp.SendAsync(node.Http.BaseAddress!, "PUT", "/v1/objects/caf%C3%A9", "composed"u8.ToArray(), cluster.Secrets.ApiKey);
        var (overwrite, _) = await RawHttp.SendAsync(node.Http.BaseAddress!, "PUT", "/v1/objects/cafe%CC%81", "decomposed"u8.ToArray(), cluster.Secrets.ApiKey);
        var (get, body) = await RawHttp.SendAsync(node.Http.BaseAddress!, "GET", "/v1/objects/caf%C3%A9", [], cluster.Secrets.ApiKey);

        Assert.Equal((201, 201, 200), (put, overwrite, get));
        Assert.Equal("decomposed", body);
        Assert.Equal(["caf\u00e9"], node.Store.Index.Page(null, null, int.MaxValue).Select(e => e.Key));
    }

    [Fact]
    public async Task Kestrel_itself_refuses_a_nul_byte_in_the_path()
    {
        await using var cluster = await TestCluster.StartAsync(1);

        var (status, _) = await RawHttp.SendAsync(cluster["node1"].Http.BaseAddress!, "PUT", "/v1/objects/bad%00key", [1]);

        Assert.Equal(400, status);
        Assert.Empty(cluster["node1"].Store.Index.Page(null, null, int.MaxValue));
    }

    [Fact]
    public async Task Keys_of_1024_bytes_are_accepted_and_1025_refused()
    {
        await using var cluster = await TestCluster.StartAsync(1);
        var http = cluster["node1"].Http;

        await http.PutObjectAsync(new string('é', 512), [1]);
        using var tooLong = await http.PutAsync($"/v1/objects/{Uri.EscapeDataString(new string('é', 512) + "x")}", new ByteArrayContent([1]), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        Assert.Contains("1024", await tooLong.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_oversized_body_is_refused_with_413_and_nothing_is_stored()
    {
        await using var cluster = await TestCluster.StartAsync(1, settings: new Dictionary<string, string?> { ["PEERVAULT_MAX_OBJECT_BYTES"] = "100000" });
        var node = cluster["node1"];

        using var request = new HttpRequestMessage(HttpMethod.Put, "/v1/objects/big") { Content = new ByteArrayContent(new byte[100_001]) };
        request.Headers.ExpectContinue = true;
        using var declared = await node.Http.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, declared.StatusCode);
        Assert.Contains("PEERVAULT_MAX_OBJECT_BYTES", await declared.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);

        // Without a length up front the limit trips mid-stream: the client sees a 413 or, if it is
        // still sending when the server answers, a closed connection. Either way nothing is kept.
        try
        {
            using var streamed = await node.Http.PutAsync("/v1/objects/big", new StreamContent(new TrickleStream(new byte[300_000], 10_000)), Ct);
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, streamed.StatusCode);
        }
        catch (HttpRequestException)
        {
        }

        Assert.Empty(node.Store.Index.Page(null, null, int.MaxValue));
        Assert.Empty(Directory.GetFiles(Path.Combine(node.DataDirectory, "tmp")));
        Assert.Empty(node.Store.Blobs.EnumerateBlobs());
    }

    [Fact]
    public async Task Range_requests_return_206_with_exactly_the_asked_bytes_and_416_past_the_end()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var content = DemoFiles.RandomBytes((600 * 1024) + 33, seed: 9);
        await cluster["node1"].Http.PutObjectAsync("ranged.bin", content);
        var http = cluster["node2"].Http;

        async Task<HttpResponseMessage> GetRange(string range)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/objects/ranged.bin");
            request.Headers.TryAddWithoutValidation("Range", range);
            return await http.SendAsync(request, Ct);
        }

        using (var middle = await GetRange("bytes=262000-262200"))
        {
            Assert.Equal(HttpStatusCode.PartialContent, middle.StatusCode);
            Assert.Equal($"bytes 262000-262200/{content.Length}", middle.Content.Headers.ContentRange!.ToString());
            Assert.Equal(content.AsSpan(262000, 201).ToArray(), await middle.Content.ReadAsByteArrayAsync(Ct));
        }

        using (var suffix = await GetRange("bytes=-100"))
        {
            Assert.Equal(content.AsSpan(content.Length - 100).ToArray(), await suffix.Content.ReadAsByteArrayAsync(Ct));
        }

        using (var openEnded = await GetRange($"bytes={content.Length - 5}-"))
        {
            Assert.Equal(content.AsSpan(content.Length - 5).ToArray(), await openEnded.Content.ReadAsByteArrayAsync(Ct));
        }

        using (var beyond = await GetRange($"bytes={content.Length}-"))
        {
            Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, beyond.StatusCode);
            Assert.Equal($"bytes */{content.Length}", beyond.Content.Headers.ContentRange!.ToString());
        }

        using (var several = await GetRange("bytes=0-1,5-6"))
        {
            Assert.Equal(HttpStatusCode.OK, several.StatusCode);
            Assert.Equal(content, await several.Content.ReadAsByteArrayAsync(Ct));
        }

        using var head = new HttpRequestMessage(HttpMethod.Head, "/v1/objects/ranged.bin");
        using var headResponse = await http.SendAsync(head, Ct);
        Assert.Equal("bytes", headResponse.Headers.AcceptRanges.Single());
    }

    [Fact]
    public async Task A_tampered_local_copy_is_replaced_by_a_verified_peer_copy_on_read()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        var content = DemoFiles.RandomBytes(200_000, seed: 3);
        await cluster["node1"].Http.PutObjectAsync("precious.bin", content);
        var node2 = cluster["node2"];
        Assert.True(node2.Store.TryGetLocal("precious.bin", out var entry));
        var blobPath = Directory.EnumerateFiles(Path.Combine(node2.DataDirectory, "blobs"), entry.BlobId!, SearchOption.AllDirectories).Single();
        var bytes = await File.ReadAllBytesAsync(blobPath, Ct);
        bytes[150] ^= 0xFF;
        await File.WriteAllBytesAsync(blobPath, bytes, Ct);

        Assert.Equal(content, await node2.Http.GetObjectAsync("precious.bin"));
        Assert.True(node2.Logs.Contains("failed verification"));
    }
}
