using System.Net;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Storage;

/// <summary>A node whose disk fills up mid-write: a clear 507, nothing half-written, nothing lost.</summary>
[Trait("Category", "InProcess")]
public sealed class DiskFullTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_put_that_does_not_fit_gets_507_and_leaves_earlier_objects_and_no_partial_file()
    {
        using var directory = new TempDirectory();
        await using var tiny = await TinyDisk.MountAsync(directory.Sub("tiny"));
        await using (var node = await TestNode.StartAsync("node1", Path.Combine(tiny.Path, "node1"), ClusterSecrets.Generate()))
        {
            var kept = DemoFiles.RandomBytes(512 * 1024, seed: 1);
            await node.Http.PutObjectAsync("kept.bin", kept);

            using var tooBig = await node.Http.PutAsync("/v1/objects/too-big.bin", new ByteArrayContent(DemoFiles.RandomBytes(3 << 20, seed: 2)), Ct);

            Assert.Equal(HttpStatusCode.InsufficientStorage, tooBig.StatusCode);
            Assert.Contains("disk is full", await tooBig.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
            Assert.Empty(Directory.GetFiles(Path.Combine(node.DataDirectory, "tmp")));
            Assert.False(node.Store.Index.TryGet("too-big.bin", out _));
            Assert.Equal(kept, await node.Http.GetObjectAsync("kept.bin"));

            // The space the failed write took is free again.
            await node.Http.PutObjectAsync("after.bin", DemoFiles.RandomBytes(100_000, seed: 3));
        }
    }

    [Fact]
    public async Task A_pipelined_put_whose_coordinator_fills_its_disk_gets_507_and_no_replica_keeps_anything()
    {
        using var directory = new TempDirectory();
        await using var tiny = await TinyDisk.MountAsync(directory.Sub("tiny"));
        var secrets = ClusterSecrets.Generate();
        await using var node1 = await TestNode.StartAsync("node1", Path.Combine(tiny.Path, "node1"), secrets);
        await using var node2 = await TestNode.StartAsync("node2", directory.Sub("node2"), secrets, [node1.P2PPort]);
        await using var node3 = await TestNode.StartAsync("node3", directory.Sub("node3"), secrets, [node1.P2PPort, node2.P2PPort]);
        TestNode[] nodes = [node1, node2, node3];
        foreach (var node in nodes)
        {
            await node.WaitForPeersAsync(2);
        }

        // A Content-Length: the peers receive sealed chunks while node1 is still writing its own copy.
        using var tooBig = await node1.Http.PutAsync("/v1/objects/too-big.bin", new ByteArrayContent(DemoFiles.RandomBytes(3 << 20, seed: 4)), Ct);

        Assert.Equal(HttpStatusCode.InsufficientStorage, tooBig.StatusCode);
        foreach (var node in nodes)
        {
            await Poll.UntilAsync(() => Directory.GetFiles(Path.Combine(node.DataDirectory, "tmp")).Length == 0, $"{node.Name}'s half-received copy is gone");
            Assert.False(node.Store.Index.TryGet("too-big.bin", out _), $"{node.Name} holds no entry");
            Assert.Empty(node.Store.Blobs.EnumerateBlobs());
        }
    }

    /// <summary>A 2 MiB tmpfs: a real disk that fills up. Skips the test where it cannot be mounted (not root, not Linux).</summary>
    private sealed class TinyDisk : IAsyncDisposable
    {
        private TinyDisk(string path) => Path = path;

        public string Path { get; }

        public static async Task<TinyDisk> MountAsync(string path)
        {
            Directory.CreateDirectory(path);
            if (!await SystemCommand.TryRunAsync("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", path))
            {
                Assert.Skip("Needs a 2 MiB tmpfs: run as root on Linux (CI does) to exercise a real full disk.");
            }

            return new TinyDisk(path);
        }

        // Lazy: a file still held open must not leave the mount behind (it would outlive the test).
        public async ValueTask DisposeAsync() => await SystemCommand.TryRunAsync("umount", "-l", Path);
    }
}
