using System.Net;
using Microsoft.Extensions.DependencyInjection;
using PeerVault.Node.Cluster.Repair;
using PeerVault.Node.Storage;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Storage;

/// <summary>
/// A data directory that vanishes or stops taking writes under a running node: the node is unready,
/// refuses writes with a 503 problem (no stack trace, no path), still serves what it should hold from
/// replicas, and once the directory can be (re)created it is ready again and refills itself.
/// </summary>
[Trait("Category", "InProcess")]
public sealed class StorageFaultTests
{
    private static readonly Dictionary<string, string?> FastProbe = new() { ["PEERVAULT_STORAGE_PROBE_SECONDS"] = "0.2" };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_data_directory_removed_and_blocked_makes_the_node_unready_refusing_writes_serving_reads_from_replicas_then_it_heals()
    {
        await using var cluster = await TestCluster.StartAsync(3, settings: FastProbe);
        var node1 = cluster["node1"];
        var content = DemoFiles.RandomBytes(600_000, seed: 21);
        await cluster["node2"].Http.PutObjectAsync("kept.bin", content);
        await Poll.UntilAsync(() => node1.Store.TryGetLocal("kept.bin", out _), "node1 holds kept.bin");
        var nodeId = await File.ReadAllTextAsync(Path.Combine(node1.DataDirectory, "node.id"), Ct);

        // The directory goes, and a file where it was keeps the node from recreating it.
        await ReplaceWithFileAsync(node1.DataDirectory);

        await Poll.UntilAsync(async () => (await node1.Http.GetAsync("/health", Ct)).StatusCode == HttpStatusCode.ServiceUnavailable, "node1 is unready");
        using (var put = await node1.Http.PutAsync("/v1/objects/new.bin", new ByteArrayContent([1, 2, 3]), Ct))
        {
            var problem = await put.Content.ReadAsStringAsync(Ct);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, put.StatusCode);
            Assert.Contains("https://peervault.dev/problems/storage-unavailable", problem, StringComparison.Ordinal);
            Assert.Contains("data directory is missing", problem, StringComparison.Ordinal);
            Assert.DoesNotContain(node1.DataDirectory, problem, StringComparison.Ordinal);
            Assert.DoesNotContain("Exception", problem, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", problem, StringComparison.Ordinal);
            Assert.NotNull(put.Headers.RetryAfter);
        }

        using (var delete = await node1.Http.DeleteAsync("/v1/objects/kept.bin", Ct))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, delete.StatusCode);
        }

        // Reads of what node1 should hold come from its replicas, byte for byte.
        using (var get = await node1.Http.GetAsync("/v1/objects/kept.bin", Ct))
        {
            Assert.Equal(HttpStatusCode.OK, get.StatusCode);
            Assert.NotEqual("local", get.Headers.GetValues("X-PeerVault-Served-By").Single());
            Assert.Equal(content, await get.Content.ReadAsByteArrayAsync(Ct));
        }

        File.Delete(node1.DataDirectory);

        await Poll.UntilAsync(async () => (await node1.Http.GetAsync("/health", Ct)).IsSuccessStatusCode, "node1 is ready again");
        await Poll.UntilAsync(() => StoredBlobs.IsIntact(node1, "kept.bin"), "kept.bin is restored on node1 without anyone reading it");
        Assert.Equal(nodeId, await File.ReadAllTextAsync(Path.Combine(node1.DataDirectory, "node.id"), Ct));
        Assert.Contains("kept.bin", IndexDatabaseFile.Read(node1.DataDirectory).Keys);
        await node1.Http.PutObjectAsync("after.bin", [4, 5, 6]);
        Assert.True(node1.Store.TryGetLocal("after.bin", out _));
    }

    [Fact]
    public async Task A_data_directory_removed_under_an_idle_node_is_recreated_and_refilled_from_replicas()
    {
        await using var cluster = await TestCluster.StartAsync(3, settings: FastProbe);
        var node3 = cluster["node3"];
        var content = DemoFiles.RandomBytes(300_000, seed: 22);
        await cluster["node1"].Http.PutObjectAsync("refill.bin", content);
        await cluster["node1"].Http.DeleteAsync("/v1/objects/nothing-here", Ct);
        await Poll.UntilAsync(() => node3.Store.TryGetLocal("refill.bin", out _), "node3 holds refill.bin");

        RemoveAtOnce(node3.DataDirectory);

        await Poll.UntilAsync(() => StoredBlobs.IsIntact(node3, "refill.bin"), "refill.bin is back on node3's disk");
        Assert.True(File.Exists(Path.Combine(node3.DataDirectory, KeyIndex.FileName)));
        Assert.True(node3.Logs.Contains("was removed under the node"));
        Assert.True(node3.Services.GetRequiredService<ReplicationStatus>().RepairBacklog >= 0, "The refill must not drive the repair backlog below zero");
        using var health = await node3.Http.GetAsync("/health", Ct);
        Assert.True(health.IsSuccessStatusCode);
        Assert.Equal(content, await node3.Http.GetObjectAsync("refill.bin"));
    }

    [Fact]
    public async Task A_write_the_moment_the_data_directory_vanished_is_told_to_retry_never_answered_500()
    {
        // The default probe period: nothing has noticed the directory is gone when the write arrives.
        using var directory = new TempDirectory("peervault-vanished");
        await using var node = await TestNode.StartAsync("solo", directory.Sub("solo"), ClusterSecrets.Generate());
        await node.Http.PutObjectAsync("before.bin", [1]);

        RemoveAtOnce(node.DataDirectory);
        using (var put = await node.Http.PutAsync("/v1/objects/first-after.bin", new ByteArrayContent([2]), Ct))
        {
            var problem = await put.Content.ReadAsStringAsync(Ct);
            Assert.True(put.StatusCode == HttpStatusCode.ServiceUnavailable, $"PUT right after the directory vanished: {(int)put.StatusCode} {problem}");
            Assert.Contains("storage-unavailable", problem, StringComparison.Ordinal);
            Assert.NotNull(put.Headers.RetryAfter);
        }

        // The failed write's check put the directory back: the retry is stored.
        await node.Http.PutObjectAsync("first-after.bin", [2]);
        Assert.Equal([2], await node.Http.GetObjectAsync("first-after.bin"));
    }

    [Fact]
    public async Task A_read_the_moment_the_data_directory_vanished_is_served_from_a_replica_never_answered_500()
    {
        // Found by the chaos harness (seed 1 of the campaign): node1 lost its local copy, fetched the
        // object from a replica and, keeping a copy as it served it, failed to create the copy's
        // temporary file in the vanished directory, answering 500. The default probe period: nothing
        // has noticed the directory is gone when the reads arrive.
        await using var cluster = await TestCluster.StartAsync(3);
        var node1 = cluster["node1"];
        var contents = Enumerable.Range(0, 5).Select(i => DemoFiles.RandomBytes(50_000 + i, seed: 30 + i)).ToList();
        for (var i = 0; i < contents.Count; i++)
        {
            await cluster["node2"].Http.PutObjectAsync($"vanished/{i}", contents[i]);
        }

        await Poll.UntilAsync(() => Enumerable.Range(0, contents.Count).All(i => node1.Store.TryGetLocal($"vanished/{i}", out _)), "node1 holds every key");

        RemoveAtOnce(node1.DataDirectory);
        for (var i = 0; i < contents.Count; i++)
        {
            using var get = await node1.Http.GetAsync($"/v1/objects/{Uri.EscapeDataString($"vanished/{i}")}", Ct);
            var body = await get.Content.ReadAsByteArrayAsync(Ct);
            Assert.True(get.StatusCode == HttpStatusCode.OK, $"GET vanished/{i} right after node1's directory vanished: {(int)get.StatusCode} {System.Text.Encoding.UTF8.GetString(body)}");
            Assert.Equal(contents[i], body);
        }
    }

    [Fact]
    public async Task A_data_directory_that_stops_taking_writes_makes_the_node_unready_until_it_takes_them_again()
    {
        await using var cluster = await TestCluster.StartAsync(2, settings: FastProbe);
        var node1 = cluster["node1"];
        await node1.Http.PutObjectAsync("before.bin", [1]);
        await using var readOnly = await ReadOnlyDirectory.MakeAsync(node1.DataDirectory);
        if (readOnly is null)
        {
            Assert.Skip("Needs root with a read-only bind mount, or a non-root user (chmod stops only non-root).");
        }

        await Poll.UntilAsync(async () => (await node1.Http.GetAsync("/health", Ct)).StatusCode == HttpStatusCode.ServiceUnavailable, "node1 is unready");
        using (var put = await node1.Http.PutAsync("/v1/objects/refused.bin", new ByteArrayContent([2]), Ct))
        {
            var problem = await put.Content.ReadAsStringAsync(Ct);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, put.StatusCode);
            Assert.Contains("storage-unavailable", problem, StringComparison.Ordinal);
            Assert.Contains("cannot be written", problem, StringComparison.Ordinal);
            Assert.DoesNotContain(node1.DataDirectory, problem, StringComparison.Ordinal);
        }

        Assert.Equal([1], await node1.Http.GetObjectAsync("before.bin"));
        await readOnly.DisposeAsync();

        await Poll.UntilAsync(async () => (await node1.Http.GetAsync("/health", Ct)).IsSuccessStatusCode, "node1 is ready again");
        await node1.Http.PutObjectAsync("after.bin", [3]);
    }

    /// <summary>Removes a directory in one step as the node sees it (a rename away, then the delete), so the node's own probe cannot race a recursive delete.</summary>
    private static void RemoveAtOnce(string directory)
    {
        var gone = $"{directory}.removed-{Guid.NewGuid():N}";
        Directory.Move(directory, gone);
        Directory.Delete(gone, recursive: true);
    }

    /// <summary>Moves the directory away (as removing it would) and puts a file in its place; retries if the node recreated it in between.</summary>
    private static async Task ReplaceWithFileAsync(string directory)
    {
        var blocker = directory + ".blocker";
        await File.WriteAllTextAsync(blocker, "not a directory", Ct);
        await Poll.UntilAsync(
            () =>
            {
                if (Directory.Exists(directory))
                {
                    RemoveAtOnce(directory);
                }

                try
                {
                    File.Move(blocker, directory);
                    return true;
                }
                catch (IOException)
                {
                    return false;
                }
            },
            "a file stands where the data directory was");
    }

    /// <summary>
    /// Makes a directory refuse writes for as long as it is not disposed: a read-only bind mount as
    /// root (for whom permissions are no obstacle), mode 0500 on its folders otherwise. Null when
    /// neither can be done here.
    /// </summary>
    private sealed class ReadOnlyDirectory : IAsyncDisposable
    {
        private readonly string _path;
        private readonly bool _mounted;
        private bool _undone;

        private ReadOnlyDirectory(string path, bool mounted)
        {
            _path = path;
            _mounted = mounted;
        }

        public static async Task<ReadOnlyDirectory?> MakeAsync(string path)
        {
            if (!OperatingSystem.IsLinux())
            {
                return null;
            }

            if (Environment.UserName != "root")
            {
                foreach (var folder in Folders(path))
                {
                    File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserExecute);
                }

                return new ReadOnlyDirectory(path, mounted: false);
            }

            if (!await SystemCommand.TryRunAsync("mount", "--bind", path, path))
            {
                return null;
            }

            // A remount to read-only fails (busy) while the node has a file open for writing through
            // the new mount (its probe runs every 0.2 s): try a few times.
            for (var attempt = 0; attempt < 20; attempt++)
            {
                if (await SystemCommand.TryRunAsync("mount", "-o", "remount,bind,ro", path))
                {
                    return new ReadOnlyDirectory(path, mounted: true);
                }

                await Task.Delay(50, Ct);
            }

            await SystemCommand.TryRunAsync("umount", "-l", path);
            return null;
        }

        public async ValueTask DisposeAsync()
        {
            if (_undone || !OperatingSystem.IsLinux())
            {
                return;
            }

            _undone = true;
            if (_mounted)
            {
                // Lazy: a file the node holds open must not leave the mount behind.
                await SystemCommand.TryRunAsync("umount", "-l", _path);
            }
            else
            {
                foreach (var folder in Folders(_path))
                {
                    File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                }
            }
        }

        private static string[] Folders(string path) => [path, Path.Combine(path, "tmp"), Path.Combine(path, "blobs")];
    }
}
