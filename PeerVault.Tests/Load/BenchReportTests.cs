using System.Text.Json;
using PeerVault.Load.Bench;

namespace PeerVault.Tests.Load;

[Trait("Category", "Unit")]
public sealed class BenchReportTests
{
    private static readonly MachineLimits Limits = new(600, 256 << 20, 500, 180, 1200, 500, "one thread");

    [Fact]
    public void Each_target_of_the_issue_divides_by_its_own_limit()
    {
        var names = new[] { "node1", "node2" };
        var put = BenchTargets.Attach(Phase("large put", 1, megabytesPerSecond: 180), Limits, names).Ratio!;
        Assert.Equal(200, put.LimitValue);
        Assert.Equal(0.9, put.Ratio);
        Assert.True(put.Met);

        var get = BenchTargets.Attach(Phase("large get peer", 1, megabytesPerSecond: 90), Limits, names).Ratio!;
        Assert.Equal(180, get.LimitValue);
        Assert.Equal(0.5, get.Ratio);
        Assert.False(get.Met);

        var smallPut = BenchTargets.Attach(Phase("small put c32", 32, opsPerSecond: 150), Limits, names).Ratio!;
        Assert.Equal(250, smallPut.LimitValue);
        Assert.Equal(0.6, smallPut.Ratio);
        Assert.Equal(0.6, smallPut.Target);
        Assert.True(smallPut.Met);

        var smallPutAt8 = BenchTargets.Attach(Phase("small put c8", 8, opsPerSecond: 150), Limits, names).Ratio!;
        Assert.Null(smallPutAt8.Target);
        Assert.Null(smallPutAt8.Met);

        var smallGet = BenchTargets.Attach(Phase("small get c32", 32, opsPerSecond: 10_000), Limits, names).Ratio!;
        Assert.Equal(0.5, smallGet.Ratio);
        Assert.False(smallGet.Met);

        var through = BenchTargets.Attach(Phase("through get", 1, nodes: [new("node1", 120, 1), new("node2", 250, 1)]), Limits, names, watchedNode: 1).Ratio!;
        Assert.Equal(1.25, through.Ratio);
        Assert.Equal("<=", through.Comparison);
        Assert.False(through.Met);

        Assert.Null(BenchTargets.Attach(Phase("mixed c32", 32), Limits, names).Ratio);
        Assert.Null(BenchTargets.Attach(Phase("large put", 1), null, names).Ratio);
    }

    [Fact]
    public void The_json_holds_limits_phases_latencies_nodes_ratios_machine_and_commit()
    {
        var phase = BenchTargets.Attach(Phase("small put c32", 32, opsPerSecond: 100, nodes: [new("node1", 150.5, 2.25)]), Limits, ["node1"]);
        var result = new BenchResult(
            DateTimeOffset.UnixEpoch,
            12.5,
            "abc123",
            new MachineInfo("host", "Linux", ".NET 10", 2, "cpu", 1 << 30, "/tmp/x", "ext4"),
            new BenchSettings(256 << 20, 1 << 30, 4096, 100, [32], 10, ["small"]),
            new ClusterInfo(true, ["http://127.0.0.1:1/"], ["node1"], 3, 2),
            Limits,
            [phase],
            0,
            0,
            []);

        using var json = JsonDocument.Parse(BenchReport.ToJson(result));
        var root = json.RootElement;
        Assert.Equal("abc123", root.GetProperty("gitCommit").GetString());
        Assert.Equal(2, root.GetProperty("machine").GetProperty("processors").GetInt32());
        Assert.Equal(600, root.GetProperty("limits").GetProperty("diskWriteFsyncMBps").GetDouble());
        foreach (var limit in new[] { "aesGcmMBps", "sha256MBps", "loopbackTcpMBps", "smallFilesPerSecond" })
        {
            Assert.True(root.GetProperty("limits").TryGetProperty(limit, out _), limit);
        }

        var written = root.GetProperty("phases")[0];
        Assert.Equal("small put c32", written.GetProperty("name").GetString());
        Assert.Equal(32, written.GetProperty("concurrency").GetInt32());
        foreach (var figure in new[] { "opsPerSecond", "megabytesPerSecond", "operations", "errors", "verified", "verificationFailures", "seconds" })
        {
            Assert.True(written.TryGetProperty(figure, out _), figure);
        }

        foreach (var percentile in new[] { "p50", "p90", "p99", "max" })
        {
            Assert.True(written.GetProperty("latency").TryGetProperty(percentile, out _), percentile);
        }

        Assert.Equal(150.5, written.GetProperty("nodes")[0].GetProperty("peakWorkingSetMB").GetDouble());
        Assert.Equal(2.25, written.GetProperty("nodes")[0].GetProperty("cpuSeconds").GetDouble());
        Assert.Equal(0.4, written.GetProperty("ratio").GetProperty("ratio").GetDouble());
        Assert.False(written.GetProperty("ratio").GetProperty("met").GetBoolean());
    }

    private static PhaseResult Phase(string name, int concurrency, double opsPerSecond = 0, double megabytesPerSecond = 0, IReadOnlyList<NodeUsage>? nodes = null)
        => new(name, "test", concurrency, "node1", 10, 0, 0, 0, 0, 1, opsPerSecond, megabytesPerSecond, new LatencyFigures(1, 2, 3, 4), nodes ?? [], null, null);
}
