using System.Net;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Cluster;

/// <summary>
/// Reads racing overwrites of the same key. Found by the chaos harness (seed 101): a read resolved
/// version v1, then an overwrite replaced it before the bytes were opened, and the read answered
/// 500 (the local blob was gone) or sent the newer version's bytes under v1's Content-Length. A read
/// concurrent with a write may serve either version, whole and described by its own headers.
/// </summary>
[Trait("Category", "InProcess")]
public sealed class ConcurrentOverwriteReadTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Reads_racing_overwrites_always_answer_one_whole_version_with_its_own_length()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        const string key = "race/overwritten";

        // Versions of different lengths, so a body under another version's headers cannot pass.
        var versions = Enumerable.Range(0, 40).Select(i => DemoFiles.RandomBytes(2_000 + (i * 97), seed: 900 + i)).ToList();
        await cluster["node1"].Http.PutObjectAsync(key, versions[0]);

        var writer = Task.Run(
            async () =>
            {
                for (var i = 1; i < versions.Count; i++)
                {
                    await cluster["node1"].Http.PutObjectAsync(key, versions[i]);
                }
            },
            Ct);

        var problems = new List<string>();
        var reads = 0;
        var readers = cluster.Nodes.Select(n => n.Name).Select(name => Task.Run(
            async () =>
            {
                while (!writer.IsCompleted)
                {
                    using var response = await cluster[name].Http.GetAsync($"/v1/objects/{Uri.EscapeDataString(key)}", Ct);
                    var body = await response.Content.ReadAsByteArrayAsync(Ct);
                    Interlocked.Increment(ref reads);
                    if (response.StatusCode != HttpStatusCode.OK)
                    {
                        lock (problems)
                        {
                            problems.Add($"{name}: {(int)response.StatusCode} {System.Text.Encoding.UTF8.GetString(body)}");
                        }
                    }
                    else if (!versions.Any(v => v.AsSpan().SequenceEqual(body)))
                    {
                        lock (problems)
                        {
                            problems.Add($"{name}: a body of {body.Length} bytes that no PUT wrote");
                        }
                    }
                }
            },
            Ct)).ToList();

        await writer;
        await Task.WhenAll(readers);
        Assert.True(problems.Count == 0, $"{problems.Count} of {reads} reads went wrong:\n{string.Join('\n', problems.Take(10))}");
    }
}
