using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using PeerVault.Tests.AppHost;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Cluster.Repair;

/// <summary>
/// A node that dies (SIGKILL) or loses its disk: no acknowledged write is lost, and once back it
/// catches up on its own, by anti-entropy, without any client reading through it.
/// </summary>
[Collection(nameof(AppHostSerial))]
[Trait("Category", "Distributed")]
public sealed class CrashRecoveryTests
{
    private static readonly TimeSpan ConvergenceTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_node_killed_in_the_middle_of_200_puts_loses_no_acknowledged_write_and_converges_after_restart_without_client_reads()
    {
        await using var cluster = await ClusterApp.StartAsync();
        string[] survivors = ["node2", "node3"];
        var acknowledged = new ConcurrentDictionary<string, Written>(StringComparer.Ordinal);
        var refused = new ConcurrentQueue<string>();
        var refusedAfterDeath = new ConcurrentQueue<string>();
        var answered = 0;
        var startedAfterDeath = 0;
        var dead = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // Four writers share 200 PUTs through the survivors; node1 is killed while the first hundred
        // are under way, and the second hundred start once it is dead.
        var next = -1;
        var writers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            for (var i = Interlocked.Increment(ref next); i < 200; i = Interlocked.Increment(ref next))
            {
                if (i >= 100)
                {
                    await dead.Task;
                }

                var key = $"crash/{i:D3}";
                var through = survivors[i % 2];
                var content = DemoFiles.RandomBytes(64 + (i * 7 % 400), seed: i);
                var afterDeath = dead.Task.IsCompleted;
                string? failure;
                try
                {
                    var answer = await cluster.Http(through).PutAsync(through, key, content);
                    failure = answer.ToString();
                    if (answer.Status == HttpStatusCode.Created && answer.ObjectId is { Length: > 0 } id)
                    {
                        acknowledged[key] = new Written(key, content, id, answer.Version, through);
                        failure = null;
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    failure = $"PUT '{key}' through {through} got no answer: {ex.Message}";
                }

                if (failure is not null)
                {
                    (afterDeath ? refusedAfterDeath : refused).Enqueue(failure);
                }

                if (afterDeath)
                {
                    Interlocked.Increment(ref startedAfterDeath);
                }

                Interlocked.Increment(ref answered);
            }
        }, TestContext.Current.CancellationToken)).ToList();

        await Poll.UntilAsync(() => Volatile.Read(ref answered) >= 50, "50 of the 200 PUTs have answered");
        var pid = cluster.ProcessOf("node1");
        var answeredAtKill = Volatile.Read(ref answered);
        await NodeProcess.KillAsync("node1", pid);
        dead.SetResult();
        await Task.WhenAll(writers);
        await cluster.WaitUntilEndedAsync("node1");
        ClusterApp.Log($"node1 (pid {pid}) was killed after {answeredAtKill} of 200 PUTs had answered; {acknowledged.Count} acknowledged, {startedAfterDeath} started after its death; refused while it died: {string.Join(" | ", refused)}");

        // Two of three replicas are left: W=2 is still reachable, so no PUT made after the death may be refused.
        Assert.True(refusedAfterDeath.IsEmpty, $"PUTs through the survivors after node1 died must be acknowledged (W=2 of node2, node3): {string.Join(" | ", refusedAfterDeath)}");

        // Every acknowledged write reads back byte for byte through each survivor.
        var wrong = new List<string>();
        foreach (var written in acknowledged.Values.OrderBy(w => w.Key, StringComparer.Ordinal))
        {
            foreach (var survivor in survivors)
            {
                var read = await cluster.Http(survivor).GetAsync(survivor, written.Key);
                if (!read.Found || !read.Body.AsSpan().SequenceEqual(written.Content))
                {
                    wrong.Add($"{read} but '{written.Key}' was acknowledged ({written.Content.Length} bytes, object {written.ObjectId}) through {written.Through}");
                }
            }
        }

        Assert.True(wrong.Count == 0, $"{wrong.Count} read(s) of acknowledged writes through the survivors did not return the written bytes:\n{string.Join('\n', wrong.Take(10))}");

        // Restarted, node1 catches up on its own: its disk is watched, nobody reads through it.
        var restart = Stopwatch.StartNew();
        await cluster.StartAsync("node1");
        var serving = restart.Elapsed;
        var disk = cluster.Disk("node1");
        var expected = acknowledged.ToDictionary(w => w.Key, w => w.Value.ObjectId, StringComparer.Ordinal);
        var converged = await Eventually.UntilAsync(
            () => disk.Missing(expected).Count == 0,
            () => Lacking(disk, expected, "after its restart"),
            ConvergenceTimeout);
        ClusterApp.Log($"CONVERGENCE node1 after SIGKILL: holds all {expected.Count} acknowledged keys {converged.TotalSeconds:0.0} s after it served again ({(serving + converged).TotalSeconds:0.0} s after the start command), with no client reads");

        await AssertServesAsync(cluster, "node1", acknowledged.Values);
    }

    [Fact]
    public async Task A_node_whose_data_directory_was_wiped_while_stopped_converges_after_restart_without_client_reads()
    {
        await using var cluster = await ClusterApp.StartAsync();
        var written = new List<Written>();
        for (var i = 0; i < 100; i++)
        {
            var key = $"wiped/{i:D3}";
            written.Add(await cluster.Http("node1").StoreAsync("node1", key, DemoFiles.RandomBytes(100 + i, seed: 1000 + i)));
        }

        var expected = written.ToDictionary(w => w.Key, w => w.ObjectId, StringComparer.Ordinal);
        var disk = cluster.Disk("node3");
        await Eventually.UntilAsync(() => disk.Missing(expected).Count == 0, () => Lacking(disk, expected, "before it is stopped (with R=3 on three nodes every node holds every key)"), TimeSpan.FromSeconds(30));

        await cluster.StopAsync("node3");
        disk.Wipe();
        var restart = Stopwatch.StartNew();
        await cluster.StartAsync("node3");
        var serving = restart.Elapsed;

        var converged = await Eventually.UntilAsync(
            () => disk.Missing(expected).Count == 0,
            () => Lacking(disk, expected, "after it restarted with an empty data directory"),
            ConvergenceTimeout);
        ClusterApp.Log($"CONVERGENCE node3 after a wipe: holds all {expected.Count} keys {converged.TotalSeconds:0.0} s after it served again ({(serving + converged).TotalSeconds:0.0} s after the start command), with no client reads");

        await AssertServesAsync(cluster, "node3", written);
    }

    /// <summary>Reads every write back through <paramref name="node"/> (after convergence: these reads repair nothing).</summary>
    private static async Task AssertServesAsync(ClusterApp cluster, string node, IEnumerable<Written> writes)
    {
        var wrong = new List<string>();
        foreach (var written in writes.OrderBy(w => w.Key, StringComparer.Ordinal))
        {
            var read = await cluster.Http(node).GetAsync(node, written.Key);
            if (!read.Found || !read.Body.AsSpan().SequenceEqual(written.Content))
            {
                wrong.Add($"{read}; expected the {written.Content.Length} bytes written through {written.Through}");
            }
        }

        Assert.True(wrong.Count == 0, $"{wrong.Count} read(s) through {node} did not return the written bytes:\n{string.Join('\n', wrong.Take(10))}");
    }

    private static string Lacking(NodeDisk disk, Dictionary<string, string> expected, string when)
    {
        var missing = disk.Missing(expected);
        return $"{disk.Node} holds a blob for each of the {expected.Count} keys {when}; it still lacks {missing.Count} (e.g. {string.Join(", ", missing.Take(5).Select(k => $"{k} = object {expected[k][..12]}…"))}) and holds {disk.Blobs().Count} blob(s) in {disk.Directory}";
    }
}
