using System.Net;
using System.Net.Sockets;
using System.Text;
using PeerVault.Node.Storage;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Cluster;

/// <summary>
/// A PUT whose length is known streams each sealed chunk to every placed replica while it is still
/// sealing (pipelined replication), on real sockets and files: every replica ends with the same
/// verified blob; a client that hangs up mid-upload leaves nothing on any replica; a replica that
/// dies mid-upload costs only its own copy, and the write still reaches its quorum.
/// </summary>
[Trait("Category", "InProcess")]
public sealed class PipelinedReplicationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_put_with_a_length_and_one_without_both_land_whole_on_every_replica()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        var node1 = cluster["node1"];
        var known = DemoFiles.RandomBytes((3 << 20) + 4321, seed: 61);
        var chunked = DemoFiles.RandomBytes((1 << 20) + 99, seed: 62);

        var receipt = await node1.Http.PutObjectAsync("pipelined/known.bin", known);
        using (var content = new StreamContent(new TrickleStream(chunked, step: 64 * 1024)))
        {
            // No Content-Length: the body is chunked, so the object is sealed first and then sent.
            using var response = await node1.Http.PutAsync("/v1/objects/pipelined/chunked.bin", content, Ct);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }

        Assert.True(receipt.Replicas().Count >= 2, "the write quorum acknowledged");
        foreach (var (key, bytes) in new[] { ("pipelined/known.bin", known), ("pipelined/chunked.bin", chunked) })
        {
            await Poll.UntilAsync(() => cluster.Nodes.All(n => StoredBlobs.IsIntact(n, key)), $"every node holds {key}");
            Assert.Single(cluster.Nodes.Select(n => StoredBlobs.BlobIdOf(n, key)).Distinct());
            foreach (var node in cluster.Nodes)
            {
                Assert.Equal(bytes, await node.Http.GetObjectAsync(key));
            }
        }

        Assert.All(cluster.Nodes, n => Assert.Empty(TemporaryFiles(n)));
    }

    [Fact]
    public async Task A_client_that_hangs_up_mid_upload_leaves_nothing_on_any_replica()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        var node1 = cluster["node1"];
        var server = node1.Http.BaseAddress!;

        using (var client = new TcpClient())
        {
            await client.ConnectAsync(server.Host, server.Port, Ct);
            var stream = client.GetStream();
            var head = $"PUT /v1/objects/abandoned.bin HTTP/1.1\r\nHost: {server.Authority}\r\nContent-Length: {8 << 20}\r\nAuthorization: Bearer {cluster.Secrets.ApiKey}\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head), Ct);
            // Several chunks: enough that the peers have been receiving sealed bytes for a while.
            await stream.WriteAsync(DemoFiles.RandomBytes(3 << 20, seed: 63), Ct);
            await Poll.UntilAsync(() => cluster.Nodes.Skip(1).All(n => TemporaryFiles(n).Length > 0), "the peers are receiving the object");
        }

        await Poll.UntilAsync(() => cluster.Nodes.All(n => TemporaryFiles(n).Length == 0), "every half-received copy is gone");
        foreach (var node in cluster.Nodes)
        {
            Assert.False(node.Store.Index.TryGet("abandoned.bin", out _), $"{node.Name} has no entry");
            Assert.Empty(node.Store.Blobs.EnumerateBlobs());
        }

        using var get = await node1.Http.GetAsync("/v1/objects/abandoned.bin", Ct);
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
    }

    [Fact]
    public async Task A_replica_that_dies_mid_upload_costs_only_its_copy_and_the_write_reaches_its_quorum()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        var node1 = cluster["node1"];
        var content = DemoFiles.RandomBytes((6 << 20) + 5, seed: 64);
        var gate = new GatedStream(content, pauseAt: 2 << 20);
        using var body = new StreamContent(gate);
        body.Headers.ContentLength = content.Length;
        var put = node1.Http.PutAsync("/v1/objects/survivor.bin", body, Ct);

        await gate.Paused.WaitAsync(Ct);
        await Poll.UntilAsync(() => TemporaryFiles(cluster["node3"]).Length > 0, "node3 is receiving the object");
        var node3 = cluster["node3"];
        await node3.DisposeAsync();
        cluster.Nodes.Remove(node3);
        gate.Resume();

        using var response = await put;
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        var receipt = System.Text.Json.JsonDocument.Parse(text).RootElement;
        Assert.Equal(["node1", "node2"], receipt.Replicas().Order(StringComparer.Ordinal));
        Assert.Contains("node3", receipt.GetProperty("placement").EnumerateArray().Select(p => p.GetString()));
        foreach (var node in cluster.Nodes)
        {
            Assert.True(StoredBlobs.IsIntact(node, "survivor.bin"), $"{node.Name} holds a whole copy");
            Assert.Equal(content, await node.Http.GetObjectAsync("survivor.bin"));
        }
    }

    private static string[] TemporaryFiles(TestNode node) => Directory.GetFiles(Path.Combine(node.Store.Blobs.Root, "tmp"));

    /// <summary>A request body that stops after <c>pauseAt</c> bytes until the test resumes it.</summary>
    private sealed class GatedStream(byte[] bytes, int pauseAt) : ReadOnlyStream
    {
        private readonly TaskCompletionSource _resume = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly SemaphoreSlim _paused = new(0, 1);
        private int _position;

        public SemaphoreSlim Paused => _paused;

        public void Resume() => _resume.TrySetResult();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_position == pauseAt && !_resume.Task.IsCompleted)
            {
                _paused.Release();
                await _resume.Task.WaitAsync(cancellationToken);
            }

            var end = _position < pauseAt ? pauseAt : bytes.Length;
            var count = Math.Min(buffer.Length, end - _position);
            bytes.AsMemory(_position, count).CopyTo(buffer);
            _position += count;
            return count;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _paused.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
