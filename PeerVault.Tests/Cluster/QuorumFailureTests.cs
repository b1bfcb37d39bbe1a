using System.Net;
using System.Text.Json;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Cluster;

/// <summary>
/// What a client is told when too few replicas can be reached: a write or a delete short of W is a
/// 503 write-quorum problem saying how many acknowledged and which replicas did not; a read whose
/// placed replicas are all out of reach is a 503, never a 404 (the object may well exist).
/// The CLI's exit code for the same case is in <c>CliQuorumTests</c>.
/// </summary>
[Trait("Category", "InProcess")]
public sealed class QuorumFailureTests
{
    private const string WriteQuorumProblem = "https://peervault.dev/problems/write-quorum";

    [Fact]
    public async Task A_put_and_a_delete_with_two_of_three_replicas_down_answer_503_write_nothing_and_name_the_replicas_that_failed()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        var node1 = cluster.Nodes[0];
        await node1.Http.PutObjectAsync("quorum/existing", "stored while all were up"u8.ToArray());
        await StopAsync(cluster, "node2", "node3");

        // One of three replicas cannot say which version the key has (a write must hear from R - W + 1
        // = 2 first), so the write is refused before anything is applied, naming who did not answer.
        var put = await node1.Http.PutObjectAsync("quorum/new", "written with one replica"u8.ToArray(), HttpStatusCode.ServiceUnavailable);

        Assert.Equal(WriteQuorumProblem, put.GetProperty("type").GetString());
        Assert.Equal(0, put.GetProperty("acknowledged").GetInt32());
        Assert.Equal(2, put.GetProperty("required").GetInt32());
        Assert.Empty(put.Replicas());
        Assert.False(node1.Store.Index.TryGet("quorum/new", out _));
        var failures = put.GetProperty("failures").EnumerateArray().Select(f => f.GetString()!).ToList();
        Assert.Equal(2, failures.Count);
        Assert.Contains(failures, f => f.Contains("node2", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("node3", StringComparison.Ordinal));

        using var response = await node1.Http.DeleteAsync("/v1/objects/quorum/existing", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var delete = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;
        Assert.Equal(WriteQuorumProblem, delete.GetProperty("type").GetString());
        Assert.Equal(0, delete.GetProperty("acknowledged").GetInt32());
        Assert.Equal(2, delete.GetProperty("required").GetInt32());

        // Which replicas could not be heard from, and why, as a write's problem says.
        Assert.Empty(delete.Replicas());
        var deleteFailures = delete.GetProperty("failures").EnumerateArray().Select(f => f.GetString()!).ToList();
        Assert.Equal(2, deleteFailures.Count);
        Assert.Contains(deleteFailures, f => f.StartsWith("node2: ", StringComparison.Ordinal));
        Assert.Contains(deleteFailures, f => f.StartsWith("node3: ", StringComparison.Ordinal));
        Assert.Equal(["node1", "node2", "node3"], delete.GetProperty("placement").EnumerateArray().Select(p => p.GetString()!).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_read_whose_only_placed_replica_is_down_is_503_not_404_whether_or_not_the_key_was_stored()
    {
        await using var cluster = await TestCluster.StartAsync(3, settings: new Dictionary<string, string?>
        {
            ["PEERVAULT_REPLICAS"] = "1",
            ["PEERVAULT_WRITE_QUORUM"] = "1",
        });
        var node1 = cluster.Nodes[0];
        var onNode2 = new List<string>();
        for (var i = 0; onNode2.Count < 2; i++)
        {
            var placement = await node1.Http.GetJsonAsync($"/v1/placement/only-on-node2-{i}");
            if (placement.GetProperty("placement").EnumerateArray().Single().GetString() == "node2")
            {
                onNode2.Add($"only-on-node2-{i}");
            }
        }

        var stored = onNode2[0];
        var neverStored = onNode2[1];
        await node1.Http.PutObjectAsync(stored, "held by node2 alone"u8.ToArray());
        await StopAsync(cluster, "node2");

        foreach (var key in new[] { stored, neverStored })
        {
            using var get = await node1.Http.GetAsync($"/v1/objects/{key}", TestContext.Current.CancellationToken);
            var body = await get.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            Assert.True(get.StatusCode == HttpStatusCode.ServiceUnavailable, $"GET {key} with its replica down: {(int)get.StatusCode} {body}");
            Assert.Equal("https://peervault.dev/problems/replicas-unreachable", JsonDocument.Parse(body).RootElement.GetProperty("type").GetString());

            using var head = await node1.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/v1/objects/{key}"), TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, head.StatusCode);
        }
    }

    private static async Task StopAsync(TestCluster cluster, params string[] names)
    {
        foreach (var name in names)
        {
            var node = cluster[name];
            await node.DisposeAsync();
            cluster.Nodes.Remove(node);
        }
    }
}
