using System.Net;
using System.Text.Json;
using PeerVault.Tests.AppHost;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Cluster.Membership;

/// <summary>
/// A network cut between node1 and node2+node3, made with a <see cref="FaultProxy"/> on every
/// directed pair: the minority cannot acknowledge writes (W=2) or serve reads (a read quorum is 2)
/// and writes nothing it refuses (it cannot learn the newest version, so it stamps none), the
/// majority carries on, and once the cut heals every replica agrees on the majority's version.
/// </summary>
[Collection(nameof(AppHostSerial))]
[Trait("Category", "Distributed")]
public sealed class PartitionTests
{
    private static readonly string[] Minority = ["node1"];
    private static readonly string[] Majority = ["node2", "node3"];

    [Fact]
    public async Task A_minority_cut_off_from_the_rest_refuses_writes_without_writing_them_and_all_replicas_agree_on_the_majoritys_version_after_healing()
    {
        await using var cluster = await ClusterApp.StartAsync(new ClusterAppOptions { ProxyEveryPair = true });
        var network = cluster.Network!;
        AssertPeerTrafficGoesThroughTheProxies(cluster, network);

        var original = await cluster.Http("node2").StoreAsync("node2", "split/contested", "before the cut"u8.ToArray());
        var everywhere = cluster.Nodes.Select(cluster.Disk).ToList();
        await Eventually.UntilAsync(() => everywhere.All(d => d.Holds(original.ObjectId)), () => "every node holds 'split/contested' before the cut", TimeSpan.FromSeconds(30));

        // Drop: every connection across the cut is reset, and so is every new one.
        network.Cut(Minority, Majority, FaultMode.Drop);
        await cluster.WaitUntilSeesAsync("node1", Majority, Seen.Down);
        foreach (var node in Majority)
        {
            await cluster.WaitUntilSeesAsync(node, Minority, Seen.Down);
        }

        // Hold: redials across the cut now connect and then hear nothing.
        network.Cut(Minority, Majority, FaultMode.Hold);
        var forwardedAtHold = CrossingBytes(network);

        var minorityFirst = await RefusedForLackOfQuorumAsync(cluster, "split/contested", "written on node1 during the cut (first)"u8.ToArray());
        var majorityWrite = await cluster.Http("node2").StoreAsync("node2", "split/contested", "written on node2 during the cut"u8.ToArray());
        var majorityOnly = await cluster.Http("node3").StoreAsync("node3", "split/majority-only", "only the majority had this"u8.ToArray());
        var minorityOnly = await RefusedForLackOfQuorumAsync(cluster, "split/minority-only", "only node1 was given this"u8.ToArray());
        var minorityLast = await RefusedForLackOfQuorumAsync(cluster, "split/contested", "written on node1 during the cut, last of all"u8.ToArray());
        ClusterApp.Log($"during the cut: node1 refused {minorityFirst}; {minorityOnly}; {minorityLast}; node2 stored version {majorityWrite.Version}");

        // node1 alone hears from one of each key's three replicas, short of a read quorum (R - W + 1 = 2):
        // it cannot tell whether the others acknowledged something newer, so it serves neither key,
        // while the majority serves what it acknowledged.
        foreach (var key in new[] { "split/contested", "split/minority-only" })
        {
            var refused = await cluster.Http("node1").GetAsync("node1", key);
            Assert.True(refused.Status == HttpStatusCode.ServiceUnavailable, $"node1, cut off, must not serve '{key}' from its own copy alone: {refused}");
        }

        var majorityRead = await cluster.Http("node2").GetAsync("node2", "split/contested");
        Assert.True(majorityRead.Found && majorityRead.ObjectId == majorityWrite.ObjectId, $"The majority serves the write it acknowledged during the cut: {majorityRead}");
        var majorityView = await cluster.Http("node2").GetAsync("node2", "split/minority-only");
        Assert.True(majorityView.Status == HttpStatusCode.NotFound, $"The majority never saw 'split/minority-only' during the cut: {majorityView}");

        // node1 wrote nothing it refused: it could not learn the newest version, so it stamped none and
        // its index still names the copy it had before the cut, and nothing of the key only it was given.
        var onNode1 = cluster.Disk("node1").Indexed("split/");
        Assert.True(
            onNode1.GetValueOrDefault("split/contested") == original.ObjectId && !onNode1.ContainsKey("split/minority-only"),
            $"node1 must write nothing of the PUTs it refused (it keeps only the copy from before the cut): {string.Join(", ", onNode1)}");

        // The cut really held: nothing crossed it, and node1 is still alone.
        Assert.True(CrossingBytes(network) == forwardedAtHold, $"No byte may cross a held link: {network}");
        await cluster.WaitUntilSeesAsync("node1", Majority, Seen.Down, TimeSpan.FromSeconds(5));

        network.Heal();
        foreach (var node in cluster.Nodes)
        {
            await cluster.WaitUntilSeesAsync(node, cluster.Nodes.Where(n => n != node));
        }

        // Every replica converges on the newest write of each key: its blob on every disk, the losers' nowhere.
        var winners = new Dictionary<string, (string ObjectId, byte[] Content, string[] Losers)>(StringComparer.Ordinal)
        {
            ["split/contested"] = (majorityWrite.ObjectId, majorityWrite.Content, [original.ObjectId]),
            ["split/majority-only"] = (majorityOnly.ObjectId, majorityOnly.Content, []),
        };
        var disagreement = new List<string>();
        await Eventually.UntilAsync(
            () =>
            {
                disagreement = [.. from w in winners
                                   from disk in everywhere
                                   where !disk.Holds(w.Value.ObjectId) || w.Value.Losers.Any(disk.Holds)
                                   select $"{disk.Node}: '{w.Key}' {(disk.Holds(w.Value.ObjectId) ? "also" : "lacks the newest")} ({w.Value.ObjectId[..12]}…){string.Concat(w.Value.Losers.Where(disk.Holds).Select(l => $", still holds older {l[..12]}…"))}"];
                return disagreement.Count == 0;
            },
            () => $"every node holds the newest version of each key and no older one:\n{string.Join('\n', disagreement)}",
            TimeSpan.FromSeconds(60));

        // And every node answers with the same, newest, version.
        foreach (var (key, winner) in winners)
        {
            var answers = new List<ObjectAnswer>();
            foreach (var node in cluster.Nodes)
            {
                answers.Add(await cluster.Http(node).GetAsync(node, key));
            }

            var summary = string.Join("\n", answers);
            Assert.True(answers.All(a => a.Found && a.Body.AsSpan().SequenceEqual(winner.Content) && a.ObjectId == winner.ObjectId), $"Every node serves the newest write of '{key}' after healing:\n{summary}");
            Assert.True(answers.All(a => a.Version is not null) && answers.Select(a => a.Version).Distinct().Count() == 1, $"Every node answers '{key}' with the same X-PeerVault-Version after healing:\n{summary}");
        }

        // The key only the cut-off node was given was never acknowledged and never written: no node has it.
        foreach (var node in cluster.Nodes)
        {
            var absent = await cluster.Http(node).GetAsync(node, "split/minority-only");
            Assert.True(absent.Status == HttpStatusCode.NotFound, $"'split/minority-only' was refused during the cut, so {node} must answer 404 after healing: {absent}");
        }
    }

    /// <summary>PUT through node1 while it is cut off: 503 problem details that say why, promptly, without internals.</summary>
    private static async Task<string> RefusedForLackOfQuorumAsync(ClusterApp cluster, string key, byte[] content)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(50));
        WriteAnswer answer;
        try
        {
            answer = await cluster.Http("node1").PutAsync("node1", key, content, deadline.Token);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            Assert.Fail($"PUT '{key}' through node1, cut off from node2 and node3, must be refused, not left hanging; it had not answered after 50 s.");
            throw;
        }

        var what = $"PUT '{key}' through node1, cut off from node2 and node3, cannot reach W=2 and must answer 503 application/problem+json with acknowledged and required";
        Assert.True(answer.Status == HttpStatusCode.ServiceUnavailable && answer.ContentType == "application/problem+json", $"{what}: {answer}");
        var problem = answer.Json;
        Assert.True(
            problem.TryGetProperty("acknowledged", out var acknowledged) && acknowledged.ValueKind == JsonValueKind.Number
            && problem.TryGetProperty("required", out var required) && required.ValueKind == JsonValueKind.Number
            && acknowledged.GetInt32() < required.GetInt32() && required.GetInt32() == 2,
            $"{what} (acknowledged < required = 2): {answer}");
        Assert.DoesNotContain("Exception", answer.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", answer.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(cluster.DataDirectory("node1"), answer.Text, StringComparison.Ordinal);
        return answer.ToString();
    }

    /// <summary>The harness works: each node dials each peer through that pair's proxy, and they carry the traffic.</summary>
    private static void AssertPeerTrafficGoesThroughTheProxies(ClusterApp cluster, ProxyMesh network)
    {
        foreach (var node in cluster.Nodes)
        {
            Assert.True(cluster.App.ResourceNotifications.TryGetCurrentState(node, out var state), $"{node} has a state");
            var environment = state.Snapshot.EnvironmentVariables.ToDictionary(e => e.Name, e => e.Value, StringComparer.Ordinal);
            foreach (var peer in cluster.Nodes.Where(p => p != node))
            {
                Assert.True(
                    environment.TryGetValue($"services__{peer}__tcp__0", out var address) && address == network[node, peer].Address,
                    $"{node} must find {peer} through the proxy {network[node, peer].Address}; its services__{peer}__tcp__0 is {address ?? "unset"}");
            }
        }

        foreach (var a in cluster.Nodes)
        {
            foreach (var b in cluster.Nodes.Where(n => string.CompareOrdinal(n, a) > 0))
            {
                Assert.True(network[a, b].ForwardedBytes + network[b, a].ForwardedBytes > 0, $"{a} and {b} are connected through their proxies: {network[a, b]}; {network[b, a]}");
            }
        }
    }

    private static long CrossingBytes(ProxyMesh network)
        => Minority.SelectMany(m => Majority.SelectMany(o => new[] { network[m, o], network[o, m] })).Sum(p => p.ForwardedBytes);
}
