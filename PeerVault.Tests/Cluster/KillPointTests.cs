using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text.Json;
using PeerVault.Tests.AppHost;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Cluster;

/// <summary>
/// SIGKILL at random moments while several writers PUT, overwrite and DELETE through every node,
/// the coordinator of a request included: once restarted and settled, every node holds what was
/// acknowledged (or what a later unacknowledged attempt wrote, whole), no delete comes back, no
/// interrupted write leaves a file behind, and the listing says the same.
/// The kill points come from a seed printed in the output; <c>PEERVAULT_CRASH_SEED</c> replays
/// one, <c>PEERVAULT_CRASH_ROUNDS</c> runs more rounds (scripts/crash-test.sh does both).
/// </summary>
[Collection(nameof(AppHostSerial))]
[Trait("Category", "Distributed")]
public sealed class KillPointTests
{
    private const int Operations = 500;
    private const int Writers = 4;
    private const int KeysPerWriter = 16;
    private const int Kills = 4;

    /// <summary>Operations that may start past a kill point: the kill lands among requests in flight, and these go on while the node is down.</summary>
    private const int Slack = 40;

    private static readonly TimeSpan SettleTimeout = TimeSpan.FromSeconds(60);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Every_acknowledged_put_and_delete_survives_SIGKILLs_of_random_nodes_at_random_moments_and_nothing_is_left_partial()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("PEERVAULT_CRASH_SEED"), CultureInfo.InvariantCulture, out var given) ? given : Random.Shared.Next();
        var rounds = int.TryParse(Environment.GetEnvironmentVariable("PEERVAULT_CRASH_ROUNDS"), CultureInfo.InvariantCulture, out var wanted) ? Math.Max(1, wanted) : 1;
        ClusterApp.Log($"KILL POINTS seed {seed}, {rounds} round(s) (replay with PEERVAULT_CRASH_SEED={seed})");

        await using var cluster = await ClusterApp.StartAsync();
        for (var round = 0; round < rounds; round++)
        {
            await RunRoundAsync(cluster, round, unchecked(seed + round));
        }
    }

    private static async Task RunRoundAsync(ClusterApp cluster, int round, int seed)
    {
        var clock = Stopwatch.StartNew();
        var prefix = $"kill/{round}/";
        var random = new Random(seed);
        var gaps = Enumerable.Range(0, Kills).Select(_ => random.Next(40, 81)).ToArray();
        var victims = Enumerable.Range(0, Kills).Select(_ => cluster.Nodes[random.Next(cluster.Nodes.Count)]).ToArray();
        var pauses = Enumerable.Range(0, Kills).Select(_ => random.Next(0, 40)).ToArray();
        var histories = Enumerable.Range(0, Writers)
            .Select(w => Enumerable.Range(0, KeysPerWriter).Select(k => new KeyHistory($"{prefix}w{w}/k{k:D2}")).ToArray())
            .ToArray();
        var inFlight = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var failures = new ConcurrentQueue<string>();
        var down = new StrongBox<string?>();
        int next = -1, answered = 0, puts = 0, deletes = 0, allowed = gaps[0] + Slack;

        async Task WriteAsync(int writer)
        {
            var rng = new Random(unchecked((seed * 397) + writer));
            for (var i = Interlocked.Increment(ref next); i < Operations; i = Interlocked.Increment(ref next))
            {
                while (i >= Volatile.Read(ref allowed))
                {
                    await Task.Delay(10, Ct);
                }

                var history = histories[writer][rng.Next(KeysPerWriter)];
                var up = cluster.Nodes.Where(n => n != Volatile.Read(ref down.Value)).ToList();
                var through = up[rng.Next(up.Count)];
                var delete = history.Acknowledged is (true, not null) && rng.NextDouble() < 0.3;
                var content = delete ? null : DemoFiles.RandomBytes(rng.Next(10) == 0 ? rng.Next(256 << 10, 1 << 20) : rng.Next(1 << 10, 16 << 10), seed: rng.Next());
                var sha = content is null ? null : Convert.ToHexStringLower(SHA256.HashData(content));
                var what = delete ? $"DELETE via {through}" : $"PUT {content!.Length} B via {through}";
                inFlight.AddOrUpdate(through, 1, (_, n) => n + 1);
                bool acknowledged;
                try
                {
                    var answer = delete
                        ? await cluster.Http(through).DeleteAsync(through, history.Key)
                        : await cluster.Http(through).PutAsync(through, history.Key, content!);
                    acknowledged = delete ? answer.Status is HttpStatusCode.OK or HttpStatusCode.NotFound : answer.Status == HttpStatusCode.Created;
                    if (!acknowledged)
                    {
                        failures.Enqueue($"{what} of '{history.Key}': {(int)answer.Status}");
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException && !Ct.IsCancellationRequested)
                {
                    acknowledged = false;
                    failures.Enqueue($"{what} of '{history.Key}': {ex.GetType().Name} {ex.Message}");
                }
                finally
                {
                    inFlight.AddOrUpdate(through, 0, (_, n) => n - 1);
                }

                history.Record(sha, acknowledged, what);
                if (acknowledged)
                {
                    Interlocked.Increment(ref delete ? ref deletes : ref puts);
                }

                Interlocked.Increment(ref answered);
            }
        }

        async Task KillAsync()
        {
            var since = 0;
            for (var k = 0; k < Kills; k++)
            {
                var point = since + gaps[k];
                Volatile.Write(ref allowed, point + Slack);
                await Poll.UntilAsync(() => Volatile.Read(ref answered) >= point, $"{point} operations have answered", TimeSpan.FromSeconds(120));
                await Task.Delay(pauses[k], Ct);

                // Kill it while it coordinates a client's request, if one comes along soon.
                var victim = victims[k];
                var pid = cluster.ProcessOf(victim);
                var deadline = DateTime.UtcNow.AddSeconds(2);
                while (inFlight.GetValueOrDefault(victim) == 0 && DateTime.UtcNow < deadline)
                {
                    await Task.Delay(1, Ct);
                }

                var requests = inFlight.GetValueOrDefault(victim);
                await NodeProcess.KillAsync(victim, pid);
                Volatile.Write(ref down.Value, victim);
                ClusterApp.Log($"kill {k + 1}/{Kills}: SIGKILL {victim} (pid {pid}) after {Volatile.Read(ref answered)} of {Operations} operations answered, {requests} client request(s) in flight through it");
                await cluster.WaitUntilEndedAsync(victim);
                await cluster.StartAsync(victim);
                Volatile.Write(ref down.Value, null);
                since = Volatile.Read(ref answered);
            }

            Volatile.Write(ref allowed, Operations);
        }

        await Task.WhenAll([KillAsync(), .. Enumerable.Range(0, Writers).Select(w => Task.Run(() => WriteAsync(w), Ct))]);
        var all = histories.SelectMany(h => h).ToList();
        ClusterApp.Log($"round {round} (seed {seed}): {Operations} operations in {clock.Elapsed.TotalSeconds:0.0} s, {puts} PUTs and {deletes} DELETEs acknowledged, {failures.Count} not: {string.Join(" | ", failures.Take(20))}");

        // A test that acknowledged next to nothing would check next to nothing.
        Assert.True(puts >= 150 && deletes >= 20, $"Most operations go through the two live nodes and are acknowledged; only {puts} PUTs and {deletes} DELETEs were (seed {seed}).");

        foreach (var node in cluster.Nodes)
        {
            await cluster.WaitUntilSeesAsync(node, cluster.Nodes.Where(n => n != node));
        }

        // What the cluster settled on, read through one node: each key's newest version, whole, and one its writer may have left.
        var settled = new Dictionary<string, (string? Sha256, string? ObjectId)>(StringComparer.Ordinal);
        var wrong = new List<string>();
        foreach (var history in all)
        {
            var read = await cluster.Http(cluster.Nodes[0]).GetAsync(cluster.Nodes[0], history.Key);
            if (read.Status is not (HttpStatusCode.OK or HttpStatusCode.NotFound))
            {
                wrong.Add($"{read}; history {history}");
                continue;
            }

            var state = read.Found ? Convert.ToHexStringLower(SHA256.HashData(read.Body)) : null;
            settled[history.Key] = (state, read.Found ? read.ObjectId : null);
            if (!history.AllowedFinalStates().Contains(state))
            {
                wrong.Add($"{read} with SHA-256 {state ?? "none"}, which no acknowledged or later attempt wrote; history {history}");
            }
        }

        Assert.True(wrong.Count == 0, $"{wrong.Count} key(s) hold what their writer did not leave (seed {seed}):\n{string.Join('\n', wrong.Take(10))}");

        // Every node's own index and disk come to hold exactly that, and no interrupted write leaves a file behind.
        var converged = await Eventually.UntilAsync(
            () => cluster.Nodes.All(n => Disagreements(cluster.Disk(n), prefix, settled).Count == 0),
            () => $"every node's index and disk hold what the cluster settled on (seed {seed}):\n" + string.Join('\n', cluster.Nodes.SelectMany(n => Disagreements(cluster.Disk(n), prefix, settled)).Take(15)),
            SettleTimeout);

        // Anti-entropy once more everywhere: no delete comes back, no node changes its mind.
        foreach (var node in cluster.Nodes)
        {
            using var sync = await cluster.Http(node).PostAsync("/v1/cluster/sync", null, Ct);
            Assert.True(sync.IsSuccessStatusCode, $"POST /v1/cluster/sync through {node}: {(int)sync.StatusCode} {await sync.Content.ReadAsStringAsync(Ct)}");
        }

        foreach (var node in cluster.Nodes)
        {
            wrong.AddRange(Disagreements(cluster.Disk(node), prefix, settled));
            foreach (var history in all)
            {
                var read = await cluster.Http(node).GetAsync(node, history.Key);
                var state = read.Found ? Convert.ToHexStringLower(SHA256.HashData(read.Body)) : null;
                if (read.Status is not (HttpStatusCode.OK or HttpStatusCode.NotFound) || state != settled[history.Key].Sha256)
                {
                    wrong.Add($"after anti-entropy {read}, SHA-256 {state ?? "none"}; the cluster had settled on {settled[history.Key].Sha256 ?? "absent"}; history {history}");
                }
            }

            var listed = await ListAsync(cluster.Http(node), prefix);
            var live = settled.Where(s => s.Value.ObjectId is not null).ToDictionary(s => s.Key, s => s.Value.ObjectId!, StringComparer.Ordinal);
            if (!listed.OrderBy(l => l.Key, StringComparer.Ordinal).SequenceEqual(live.OrderBy(l => l.Key, StringComparer.Ordinal)))
            {
                wrong.Add($"{node} lists {listed.Count} key(s) under '{prefix}', the cluster holds {live.Count}; listed only: {string.Join(", ", listed.Except(live).Take(5))}; not listed: {string.Join(", ", live.Except(listed).Take(5))}");
            }
        }

        Assert.True(wrong.Count == 0, $"{wrong.Count} disagreement(s) after anti-entropy (seed {seed}):\n{string.Join('\n', wrong.Take(10))}");
        ClusterApp.Log($"round {round} (seed {seed}): {settled.Count(s => s.Value.ObjectId is not null)} live and {settled.Count(s => s.Value.ObjectId is null)} deleted or absent keys agree on every node ({converged.TotalSeconds:0.0} s after they were read back); round took {clock.Elapsed.TotalSeconds:0.0} s");
    }

    /// <summary>Where the node's own index or disk differs from what the cluster settled on, and leftovers of interrupted writes.</summary>
    private static List<string> Disagreements(NodeDisk disk, string prefix, Dictionary<string, (string? Sha256, string? ObjectId)> settled)
    {
        var indexed = disk.Indexed(prefix);
        var found = new List<string>();
        foreach (var (key, (_, objectId)) in settled)
        {
            var has = indexed.GetValueOrDefault(key);
            if (has != objectId)
            {
                found.Add($"{disk.Node}'s index has '{key}' as {has ?? "deleted or absent"}, the cluster as {objectId ?? "deleted or absent"}");
            }
            else if (objectId is not null && !disk.Holds(objectId))
            {
                found.Add($"{disk.Node}'s index has '{key}' as object {objectId}, whose blob is not on its disk");
            }
        }

        found.AddRange(disk.TemporaryFiles().Select(f => $"{disk.Node} has a leftover of an interrupted write: {f}"));
        return found;
    }

    private static async Task<Dictionary<string, string>> ListAsync(HttpClient http, string prefix)
    {
        using var response = await http.GetAsync($"/v1/objects?prefix={Uri.EscapeDataString(prefix)}&limit=10000", Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"listing '{prefix}': {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.GetProperty("objects").EnumerateArray()
            .ToDictionary(o => o.GetProperty("key").GetString()!, o => o.GetProperty("objectId").GetString()!, StringComparer.Ordinal);
    }
}
