using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using PeerVault.Client;
using PeerVault.Contracts;
using PeerVault.Tests.Cli;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Client;

/// <summary>PeerVault.Client against a real three-node in-process cluster: every operation, its errors as types, and failover.</summary>
[Trait("Category", "InProcess")]
public sealed class PeerVaultClientTests(CliCluster cli) : IClassFixture<CliCluster>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private PeerVaultClient Client(string? apiKey = null, params Uri[] endpoints)
    {
        var options = new PeerVaultClientOptions { ApiKey = apiKey ?? cli.Cluster.Secrets.ApiKey, ResponseTimeout = TimeSpan.FromSeconds(2) };
        foreach (var endpoint in endpoints.Length > 0 ? endpoints : cli.Cluster.Nodes.Select(n => n.Http.BaseAddress!))
        {
            options.Endpoints.Add(endpoint);
        }

        return new PeerVaultClient(options);
    }

    private static Uri Closed() => new($"http://127.0.0.1:{FreePort.Next()}");

    [Fact]
    public async Task Put_get_range_head_placement_and_delete_round_trip_streamed_bodies()
    {
        using var client = Client();
        var data = RandomNumberGenerator.GetBytes(700_000);

        // A stream that cannot seek and says nothing of its length goes chunked.
        await using var unknownLength = new NonSeekableStream(new MemoryStream(data));
        var stored = await client.PutAsync("client/a b/ü.bin", unknownLength, cancellationToken: Ct);
        Assert.Equal("client/a b/ü.bin", stored.Key);
        Assert.Equal(data.Length, stored.Size);
        Assert.InRange(stored.Replicas.Count, 2, 3);

        await using (var read = await client.GetAsync("client/a b/ü.bin", cancellationToken: Ct))
        {
            Assert.Equal(stored.Version, read.Properties.Version);
            Assert.Equal(stored.ObjectId, read.Properties.ObjectId);
            Assert.Equal(data.Length, read.Properties.Size);
            using var copy = new MemoryStream();
            await read.Content.CopyToAsync(copy, Ct);
            Assert.Equal(data, copy.ToArray());
        }

        await using (var part = await client.GetAsync("client/a b/ü.bin", ObjectRange.Between(1000, 1099), Ct))
        {
            Assert.Equal(100, part.Properties.ContentLength);
            Assert.Equal(data.Length, part.Properties.Size);
            Assert.Equal($"bytes 1000-1099/{data.Length}", part.Properties.ContentRange);
            using var copy = new MemoryStream();
            await part.Content.CopyToAsync(copy, Ct);
            Assert.Equal(data[1000..1100], copy.ToArray());
        }

        var head = await client.HeadAsync("client/a b/ü.bin", verify: true, Ct);
        Assert.Equal(data.Length, head.Size);
        Assert.NotNull(head.VerifiedBy);

        var placement = await client.GetPlacementAsync("client/a b/ü.bin", Ct);
        Assert.Equal(3, placement.Placement.Count);

        var deleted = await client.DeleteAsync("client/a b/ü.bin", Ct);
        Assert.Equal("client/a b/ü.bin", deleted.Key);
        var missing = await Assert.ThrowsAsync<PeerVaultNotFoundException>(() => client.GetAsync("client/a b/ü.bin", cancellationToken: Ct));
        Assert.Equal(404, missing.Status);
        Assert.Equal(ProblemTypes.NotFound, missing.ProblemType);
        await Assert.ThrowsAsync<PeerVaultNotFoundException>(() => client.HeadAsync("client/a b/ü.bin", cancellationToken: Ct));
        await Assert.ThrowsAsync<PeerVaultNotFoundException>(() => client.DeleteAsync("client/a b/ü.bin", Ct));
    }

    [Fact]
    public async Task List_pages_follow_next_and_the_flat_listing_yields_every_key_in_order()
    {
        using var client = Client();
        for (var i = 0; i < 5; i++)
        {
            await client.PutAsync($"client-list/{i}", [(byte)i], Ct);
        }

        var pages = new List<ObjectListing>();
        await foreach (var page in client.ListPagesAsync("client-list/", pageSize: 2, cancellationToken: Ct))
        {
            pages.Add(page);
        }

        Assert.Equal([2, 2, 1], pages.Select(p => p.Objects.Count));
        Assert.Null(pages[^1].Next);
        var keys = new List<string>();
        await foreach (var summary in client.ListAsync("client-list/", Ct))
        {
            keys.Add(summary.Key);
        }

        Assert.Equal(["client-list/0", "client-list/1", "client-list/2", "client-list/3", "client-list/4"], keys);
    }

    [Fact]
    public async Task Cluster_status_and_errors_arrive_as_their_types()
    {
        using var admin = Client();
        var cluster = await admin.GetClusterAsync(Ct);
        Assert.Equal(3, cluster.Members.Count(m => m.State == "alive"));

        using var wrong = Client(apiKey: "not-the-key-at-all-0000");
        var unauthorized = await Assert.ThrowsAsync<PeerVaultUnauthorizedException>(() => wrong.GetClusterAsync(Ct));
        Assert.False(unauthorized.Forbidden);
        Assert.Equal(ProblemTypes.Unauthorized, unauthorized.ProblemType);

        using var reader = Client(apiKey: CliCluster.ReaderKey);
        var forbidden = await Assert.ThrowsAsync<PeerVaultUnauthorizedException>(() => reader.DeleteAsync("client/anything", Ct));
        Assert.True(forbidden.Forbidden);

        var badKey = await Assert.ThrowsAsync<PeerVaultRequestException>(() => admin.PutAsync("bad\u200Bkey", [1], Ct));
        Assert.Equal(ProblemTypes.BadKey, badKey.ProblemType);
        Assert.Contains("U+200B", badKey.Message, StringComparison.Ordinal);

        await admin.PutAsync("client/small", [1, 2, 3], Ct);
        var range = await Assert.ThrowsAsync<PeerVaultRequestException>(() => admin.GetAsync("client/small", ObjectRange.StartingAt(10), Ct));
        Assert.Equal(416, range.Status);
        Assert.Equal(3, range.ObjectSize);
    }

    [Fact]
    public async Task A_closed_endpoint_fails_over_for_reads_and_for_uploads_it_never_read_and_none_answering_is_unreachable()
    {
        var closed = Closed();
        using var client = Client(null, closed, cli.Cluster.Nodes[1].Http.BaseAddress!);

        var cluster = await client.GetClusterAsync(Ct);
        Assert.Equal("node2", cluster.Node.Name);

        // A pipe is not seekable, but a refused connection never read it: it is still whole.
        await using var pipe = new NonSeekableStream(new MemoryStream("through the second endpoint"u8.ToArray()));
        var stored = await client.PutAsync("client/failover", pipe, cancellationToken: Ct);
        Assert.Equal(27, stored.Size);

        using var nobody = Client(null, closed, Closed());
        var unreachable = await Assert.ThrowsAsync<PeerVaultUnreachableException>(() => nobody.GetClusterAsync(Ct));
        Assert.Equal(2, unreachable.Failures.Count);
        Assert.All(unreachable.Failures, f => Assert.Contains("refused", f.Reason, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task An_endpoint_that_accepts_but_never_answers_is_left_after_the_response_timeout()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var held = new System.Collections.Concurrent.ConcurrentBag<Socket>();
        var accepting = Task.Run(
            async () =>
            {
                while (true)
                {
                    held.Add(await silent.AcceptSocketAsync(Ct));
                }
            },
            Ct);
        using var client = Client(null, new Uri($"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}"), cli.Cluster.Nodes[2].Http.BaseAddress!);

        var cluster = await client.GetClusterAsync(Ct);

        Assert.Equal("node3", cluster.Node.Name);
        silent.Stop();
        foreach (var socket in held)
        {
            socket.Dispose();
        }

        await accepting.ContinueWith(_ => { }, TaskScheduler.Default);
    }

    [Fact]
    public async Task Every_copy_tampered_is_an_integrity_error_before_the_body_and_a_download_cut_mid_stream_is_one_too()
    {
        using var client = Client();
        var small = RandomNumberGenerator.GetBytes(1000);
        var large = RandomNumberGenerator.GetBytes(2 << 20);
        await client.PutAsync("client/tampered-small", small, Ct);
        await client.PutAsync("client/tampered-large", large, Ct);
        foreach (var node in cli.Cluster.Nodes)
        {
            foreach (var key in new[] { "client/tampered-small", "client/tampered-large" })
            {
                await Poll.UntilAsync(() => node.Store.TryGetLocal(key, out _), $"{node.Name} holds {key}");
                Assert.True(node.Store.TryGetLocal(key, out var entry));
                var blob = Directory.EnumerateFiles(Path.Combine(node.DataDirectory, "blobs"), entry.BlobId!, SearchOption.AllDirectories).Single();
                var bytes = await File.ReadAllBytesAsync(blob, Ct);
                bytes[^5] ^= 0x40;
                await File.WriteAllBytesAsync(blob, bytes, Ct);
            }
        }

        var before = await Assert.ThrowsAsync<PeerVaultIntegrityException>(() => client.GetAsync("client/tampered-small", cancellationToken: Ct));
        Assert.Equal(502, before.Status);

        await using var read = await client.GetAsync("client/tampered-large", cancellationToken: Ct);
        var during = await Assert.ThrowsAsync<PeerVaultIntegrityException>(() => read.Content.CopyToAsync(Stream.Null, Ct));
        Assert.Null(during.Status);
        Assert.Contains("stopped after", during.Message, StringComparison.Ordinal);
    }

    /// <summary>A stream as a pipe or standard input is: no seeking, no length.</summary>
    private sealed class NonSeekableStream(Stream inner) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
