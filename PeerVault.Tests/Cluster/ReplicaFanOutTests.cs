using System.Security.Cryptography;
using PeerVault.Node.Cluster;
using PeerVault.Node.Cluster.Membership;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Cluster;

/// <summary>
/// The pipelined write's fan-out: every peer lane gets the same bytes and then the trailer; a lane
/// whose transfer fails drops out without stopping the others; a slow lane paces the writer instead
/// of buffering; an abort reaches every lane as a failure.
/// </summary>
[Trait("Category", "Unit")]
public sealed class ReplicaFanOutTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Every_lane_gets_the_bytes_then_the_trailer_and_the_id_is_their_sha256()
    {
        var content = DemoFiles.RandomBytes((3 << 20) + 11, seed: 71);
        var received = new[] { new MemoryStream(), new MemoryStream() };
        var lanes = received.Select((sink, i) => ReplicaFanOut.Lane.Start(Peer(i), async stream =>
        {
            await stream.CopyToAsync(sink, Ct);
            return "applied";
        })).ToList();

        await using (var fanOut = new ReplicaFanOut(local: null, lanes))
        {
            await WriteInChunksAsync(fanOut, content);
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(content)), fanOut.Id().Value);
            await fanOut.FinishAsync("trailer"u8.ToArray(), Ct);
        }

        Assert.All(await Task.WhenAll(lanes.Select(l => l.Transfer)), outcome => Assert.Equal("applied", outcome));
        Assert.All(received, sink => Assert.Equal([.. content, .. "trailer"u8.ToArray()], sink.ToArray()));
    }

    [Fact]
    public async Task A_lane_whose_transfer_fails_drops_out_and_the_others_get_everything()
    {
        var content = DemoFiles.RandomBytes(4 << 20, seed: 72);
        var survivor = new MemoryStream();
        var failing = ReplicaFanOut.Lane.Start(Peer(0), async stream =>
        {
            var buffer = new byte[100_000];
            await stream.ReadExactlyAsync(buffer, Ct);
            throw new IOException("The peer went away.");
        });
        var healthy = ReplicaFanOut.Lane.Start(Peer(1), async stream =>
        {
            await stream.CopyToAsync(survivor, Ct);
            return "applied";
        });

        await using (var fanOut = new ReplicaFanOut(local: null, [failing, healthy]))
        {
            await WriteInChunksAsync(fanOut, content);
            await fanOut.FinishAsync("end"u8.ToArray(), Ct);
        }

        await Assert.ThrowsAsync<IOException>(() => failing.Transfer);
        Assert.Equal("applied", await healthy.Transfer);
        Assert.Equal([.. content, .. "end"u8.ToArray()], survivor.ToArray());
    }

    [Fact]
    public async Task A_lane_that_stops_reading_holds_back_the_writer_instead_of_buffering_the_object()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var lane = ReplicaFanOut.Lane.Start(Peer(0), async stream =>
        {
            await release.Task;
            await stream.CopyToAsync(Stream.Null, Ct);
            return "applied";
        });
        await using var fanOut = new ReplicaFanOut(local: null, [lane]);

        var writing = WriteInChunksAsync(fanOut, DemoFiles.RandomBytes(8 << 20, seed: 73));
        await Poll.UntilAsync(() => fanOut.Length >= ReplicaFanOut.PeerBufferBytes / 2, "the writer filled the lane's buffer");
        await Task.Delay(200, Ct);

        Assert.False(writing.IsCompleted);
        Assert.True(fanOut.Length <= ReplicaFanOut.PeerBufferBytes + (256 * 1024), $"{fanOut.Length} bytes written while the lane read nothing");
        release.SetResult();
        await writing;
        await fanOut.FinishAsync(ReadOnlyMemory<byte>.Empty, Ct);
        Assert.Equal("applied", await lane.Transfer);
    }

    [Fact]
    public async Task An_abort_reaches_every_lane_as_a_failure()
    {
        var lanes = Enumerable.Range(0, 2).Select(i => ReplicaFanOut.Lane.Start(Peer(i), async stream =>
        {
            await stream.CopyToAsync(Stream.Null, Ct);
            return "applied";
        })).ToList();
        await using var fanOut = new ReplicaFanOut(local: null, lanes);

        await fanOut.WriteAsync(new byte[1000], Ct);
        await fanOut.AbortAsync(new IOException("The client hung up."));

        foreach (var lane in lanes)
        {
            var failure = await Assert.ThrowsAsync<IOException>(() => lane.Transfer);
            Assert.Contains("hung up", failure.Message, StringComparison.Ordinal);
        }
    }

    private static async Task WriteInChunksAsync(Stream target, byte[] content)
    {
        for (var offset = 0; offset < content.Length; offset += 256 * 1024)
        {
            await target.WriteAsync(content.AsMemory(offset, Math.Min(256 * 1024, content.Length - offset)), Ct);
        }
    }

    private static Member Peer(int i)
        => new(Guid.NewGuid(), $"node{i + 2}", "127.0.0.1", 7000 + i, 1, DateTimeOffset.UnixEpoch, MemberState.Alive, DateTimeOffset.UnixEpoch, null, IsSelf: false);
}
