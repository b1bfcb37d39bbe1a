using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Cli;

/// <summary>The CLI's quorum-failure exit code, against a three-node cluster that lost two nodes.</summary>
[Trait("Category", "InProcess")]
public sealed class CliQuorumTests
{
    [Fact]
    public async Task Put_with_two_of_three_nodes_down_exits_with_quorum_failure()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        using var scratch = new TempDirectory("peervault-cli");
        var source = Path.Combine(scratch.Path, "data.bin");
        await File.WriteAllBytesAsync(source, new byte[10_000], TestContext.Current.CancellationToken);
        await cluster.Nodes[1].DisposeAsync();
        await cluster.Nodes[2].DisposeAsync();
        cluster.Nodes.RemoveRange(1, 2);
        var environment = new Dictionary<string, string?>
        {
            ["PEERVAULT_ENDPOINT"] = cluster.Nodes[0].Http.BaseAddress!.ToString(),
            ["PEERVAULT_API_KEY"] = cluster.Secrets.ApiKey,
        };

        var json = await CliProcess.RunAsync(["put", "quorum/x", source, "--json"], environment, workingDirectory: scratch.Path);
        Assert.Equal(6, json.ExitCode);
        Assert.Equal(503, json.Error.GetProperty("status").GetInt32());
        Assert.Equal("https://peervault.dev/problems/write-quorum", json.Error.GetProperty("type").GetString());

        var human = await CliProcess.RunAsync(["put", "quorum/y", source], environment, workingDirectory: scratch.Path);
        Assert.Equal(6, human.ExitCode);
        // Two of three down: too few replicas to learn the key's newest version, so nothing is written.
        Assert.Contains("nothing was written", human.Stderr, StringComparison.Ordinal);
    }
}
