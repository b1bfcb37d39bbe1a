using System.Net;
using System.Text;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Cluster;

/// <summary>
/// Deletes racing overwrites of the same key. Found by the chaos harness (seed 431044841, before
/// any fault): a DELETE began after a PUT of its key was acknowledged, an overwrite reached every
/// replica between the delete's version question and its tombstone, every replica kept the newer
/// value, and the DELETE answered 404 as if the key had never existed. A delete that began after
/// an acknowledged write found that write (its read quorum says so), whatever came after it.
/// </summary>
[Trait("Category", "InProcess")]
public sealed class ConcurrentOverwriteDeleteTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_delete_after_an_acknowledged_put_answers_200_even_when_an_overwrite_overtakes_its_tombstone()
    {
        // node1's clock runs 20 s ahead, so its overwrites are newer than the tombstones the others
        // stamp unless those saw them first: an overwrite that lands between a delete's version
        // question and its tombstone wins on every replica.
        await using var cluster = await TestCluster.StartAsync(4, clocks: new Dictionary<string, TimeProvider> { ["node1"] = new SkewedClock(TimeSpan.FromSeconds(20)) });
        const string key = "race/deleted";
        await cluster["node1"].Http.PutObjectAsync(key, "first"u8.ToArray());

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var overwriter = Task.Run(
            async () =>
            {
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    await cluster["node1"].Http.PutObjectAsync(key, Encoding.UTF8.GetBytes($"overwrite {i}"));
                }
            },
            Ct);

        // The only deleter: each DELETE follows its own acknowledged PUT, so the key exists when it begins.
        var wrong = new List<string>();
        for (var round = 0; round < 150; round++)
        {
            var through = cluster.Nodes[1 + (round % 3)];
            await through.Http.PutObjectAsync(key, Encoding.UTF8.GetBytes($"put before delete {round}"));
            using var response = await through.Http.DeleteAsync($"/v1/objects/{Uri.EscapeDataString(key)}", Ct);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                wrong.Add($"round {round}: DELETE through {through.Name} answered {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}");
            }
        }

        await stop.CancelAsync();
        await overwriter;
        Assert.True(wrong.Count == 0, $"{wrong.Count} of 150 DELETEs that followed an acknowledged PUT said the key did not exist:\n{string.Join('\n', wrong.Take(10))}");
    }
}
