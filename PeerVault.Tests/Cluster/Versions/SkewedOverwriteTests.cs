using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using PeerVault.Node.Cluster.Placement;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Cluster.Versions;

/// <summary>
/// Issue 27: a node whose wall clock runs 20 s ahead (inside the handshake's 30 s window, so it
/// stays a full member) must not win overwrites that came after its writes in real time. Four
/// in-process nodes (R=3, W=2), node1's clock 20 s fast, node2's right; writes alternate between
/// them, one after the other, each starting once the previous one was acknowledged. The keys are
/// ones node2 is not placed on: it never receives a replica of them, so nothing but the versions
/// it learns when it writes can tell it how far ahead node1 stamped them (the issue's case). Reads
/// between the writes go through the other nodes: a read through node2 would teach its clock
/// node1's versions (every version a node reads moves its clock past it), which a client reading
/// elsewhere does not do; node2 reads too once the writes are done.
/// </summary>
[Trait("Category", "InProcess")]
public sealed class SkewedOverwriteTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Sequential_overwrites_through_a_fast_and_a_right_clock_read_back_the_last_acknowledged_value_everywhere()
    {
        await using var cluster = await SkewedClusterAsync();
        var (fast, right) = (cluster["node1"], cluster["node2"]);
        var key = KeyNotPlacedOn(right, "skew/overwrite");

        string? previous = null;
        for (var round = 1; round <= 6; round++)
        {
            var coordinator = round % 2 == 1 ? fast : right;
            var value = $"round {round} through {coordinator.Name}";

            // Round 4 is chunked (no Content-Length: sealed first, then sent); the others are pipelined.
            var version = round == 4 ? await PutChunkedAsync(coordinator, key, value) : await PutAsync(coordinator, key, value);
            AssertNewer(version, previous, $"round {round}'s PUT through {coordinator.Name}");
            previous = version;
            await AssertReadsAsync(cluster, key, value, $"after round {round}'s PUT through {coordinator.Name} was acknowledged", except: right);
        }

        await AssertReadsAsync(cluster, key, "round 6 through node2", "after the last round");
    }

    [Fact]
    public async Task A_put_after_a_delete_through_the_fast_clock_is_not_deleted_and_a_delete_after_its_put_deletes()
    {
        await using var cluster = await SkewedClusterAsync();
        var (fast, right) = (cluster["node1"], cluster["node2"]);

        // Delete, then put: the tombstone the fast clock stamped must not hide the later value.
        var revived = KeyNotPlacedOn(right, "skew/delete-then-put");
        var first = await PutAsync(right, revived, "first value");
        var tombstone = await DeleteAsync(fast, revived);
        AssertNewer(tombstone, first, "the DELETE through node1");
        await AssertReadsAsync(cluster, revived, null, "after the DELETE through node1", except: right);
        var second = await PutAsync(right, revived, "written after the delete");
        AssertNewer(second, tombstone, "the PUT through node2 after node1's DELETE");
        await AssertReadsAsync(cluster, revived, "written after the delete", "after node2's PUT that followed node1's DELETE");

        // Put, then delete: the value the fast clock stamped must not outlive the later delete.
        var deleted = KeyNotPlacedOn(right, "skew/put-then-delete");
        var put = await PutAsync(fast, deleted, "written through the fast clock");
        var delete = await DeleteAsync(right, deleted);
        AssertNewer(delete, put, "the DELETE through node2 after node1's PUT");
        await AssertReadsAsync(cluster, deleted, null, "after node2's DELETE that followed node1's PUT");
    }

    /// <summary>Four nodes, node1's wall clock 20 s ahead of everyone else's.</summary>
    private static Task<TestCluster> SkewedClusterAsync()
        => TestCluster.StartAsync(4, clocks: new Dictionary<string, TimeProvider> { ["node1"] = new SkewedClock(TimeSpan.FromSeconds(20)) });

    private static string KeyNotPlacedOn(TestNode node, string prefix)
    {
        var placement = node.Services.GetRequiredService<PlacementMap>();
        for (var i = 0; ; i++)
        {
            var key = $"{prefix}-{i}";
            if (placement.ReplicasOf(key).All(m => m.Name != node.Name))
            {
                return key;
            }
        }
    }

    private static async Task<string> PutAsync(TestNode coordinator, string key, string value)
        => Version(await coordinator.Http.PutObjectAsync(key, Encoding.UTF8.GetBytes(value)));

    private static async Task<string> PutChunkedAsync(TestNode coordinator, string key, string value)
    {
        using var content = new StreamContent(new TrickleStream(Encoding.UTF8.GetBytes(value)));
        using var response = await coordinator.Http.PutAsync($"/v1/objects/{Uri.EscapeDataString(key)}", content, Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"chunked PUT {key} through {coordinator.Name}: {(int)response.StatusCode} {body}");
        Assert.Null(response.RequestMessage?.Content?.Headers.ContentLength);
        return Version(JsonDocument.Parse(body).RootElement);
    }

    private static async Task<string> DeleteAsync(TestNode coordinator, string key)
    {
        using var response = await coordinator.Http.DeleteAsync($"/v1/objects/{Uri.EscapeDataString(key)}", Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"DELETE {key} through {coordinator.Name}: {(int)response.StatusCode} {body}");
        return Version(JsonDocument.Parse(body).RootElement);
    }

    private static string Version(JsonElement receipt) => receipt.GetProperty("version").GetString()!;

    /// <summary>Versions' text forms sort as the versions do.</summary>
    private static void AssertNewer(string version, string? previous, string what)
        => Assert.True(
            previous is null || string.CompareOrdinal(version, previous) > 0,
            $"{what} is stamped {version}, not after {previous}, the version of the write acknowledged before it began");

    /// <summary>Every node (but <paramref name="except"/>) answers the value (null: 404).</summary>
    private static async Task AssertReadsAsync(TestCluster cluster, string key, string? expected, string when, TestNode? except = null)
    {
        foreach (var node in cluster.Nodes.Where(n => n != except))
        {
            using var response = await node.Http.GetAsync($"/v1/objects/{Uri.EscapeDataString(key)}", Ct);
            var body = await response.Content.ReadAsStringAsync(Ct);
            var read = response.StatusCode == HttpStatusCode.NotFound ? null
                : response.StatusCode == HttpStatusCode.OK ? body
                : $"{(int)response.StatusCode} {body}";
            Assert.True(read == expected, $"{when}, GET {key} through {node.Name} answered {(read is null ? "404" : $"'{read}'")}, not {(expected is null ? "404" : $"'{expected}'")}");
        }
    }
}
