using System.Text.Json;
using System.Text.RegularExpressions;
using PeerVault.Tests.Cli;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Hosting;

/// <summary>
/// A node process whose wall clock really is 20 s fast (Debian's libfaketime, as after an NTP
/// failure; inside the handshake's 30 s window, so it stays a member), beside one on the right
/// clock: the right one shows the offset in <c>/v1/cluster</c>, its health is degraded, and
/// <c>peervault doctor</c> names the peer and the offset.
/// </summary>
[Trait("Category", "Distributed")]
public sealed class SkewedClockProcessTests
{
    /// <summary>libfaketime's thread-safe build, as Debian's <c>faketime</c> package installs it (.ci/run installs it).</summary>
    public const string FakeTimeLibrary = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_node_process_20_s_fast_is_shown_by_its_peer_degrades_its_health_and_doctor_names_it()
    {
        Assert.True(File.Exists(FakeTimeLibrary), $"{FakeTimeLibrary} is missing: apt-get install faketime (.ci/run does)");
        using var directory = new TempDirectory();
        var secrets = ClusterSecrets.Generate();
        await using var right = ServiceProcess.Start("node1", "PeerVault.Node", NodeProcessTests.Environment("node1", secrets, directory.Sub("node1")), directory.Path);
        var rightP2P = await right.WaitForLineAsync(@"listening for peers on TCP port (\d+)");
        var rightUrl = await right.WaitForLineAsync(@"serving its HTTP API on (http://[^\s,]+)");
        var skewed = NodeProcessTests.Environment("node2", secrets, directory.Sub("node2"), bootstrap: $"127.0.0.1:{rightP2P}");
        skewed["LD_PRELOAD"] = FakeTimeLibrary;
        skewed["FAKETIME"] = "+20s";
        skewed["DONT_FAKE_MONOTONIC"] = "1";
        await using var fast = ServiceProcess.Start("node2", "PeerVault.Node", skewed, directory.Path);
        var fastUrl = await fast.WaitForLineAsync(@"serving its HTTP API on (http://[^\s,]+)");
        using var node1 = Client(rightUrl, secrets);
        using var node2 = Client(fastUrl, secrets);

        // The process's clock is what libfaketime says: its HTTP Date header (whole seconds, stamped
        // between our request and its answer) is 20 s ahead.
        var before = DateTimeOffset.UtcNow;
        using (var health = await node2.GetAsync("/health", Ct))
        {
            var after = DateTimeOffset.UtcNow;
            var date = health.Headers.Date!.Value;
            Assert.True(date >= before.AddSeconds(19) && date <= after.AddSeconds(21), $"node2's Date {date:O} is 20 s after the request's {before:O}..{after:O}");
        }

        await AssertOffsetAsync(node1, "node2", 20);
        await AssertOffsetAsync(node2, "node1", -20);
        await Poll.UntilAsync(async () => await node1.GetStringAsync("/health", Ct) == "Degraded", "node1's /health says Degraded");
        await Poll.UntilAsync(() => right.Lines.Any(l => l.Contains("Peer node2's clock is +", StringComparison.Ordinal)), "node1 logs node2's clock offset");

        var doctor = await CliProcess.RunAsync(["doctor", "--endpoint", $"{rightUrl},{fastUrl}", "--api-key", secrets.ApiKey, "--json"]);
        var findings = doctor.Json.GetProperty("findings").EnumerateArray().ToList();
        var peerClocks = findings.Where(f => f.GetProperty("check").GetString() == "peer-clocks").ToList();
        Assert.True(peerClocks.Count == 2, doctor.ToString());
        Assert.All(peerClocks, f => Assert.Equal("warn", f.GetProperty("status").GetString()));
        Assert.Contains(peerClocks, f => Regex.IsMatch(f.GetProperty("message").GetString()!, @"node2's clock is \+(19\.[5-9]|20\.[0-4])"));
        Assert.Contains(peerClocks, f => Regex.IsMatch(f.GetProperty("message").GetString()!, @"node1's clock is -(19\.[5-9]|20\.[0-4])"));
        Assert.Contains(findings, f => f.GetProperty("check").GetString() == "clock" && f.GetProperty("status").GetString() == "warn" && f.GetProperty("target").GetString()!.Contains(new Uri(fastUrl).Authority, StringComparison.Ordinal));
    }

    private static HttpClient Client(string url, ClusterSecrets secrets)
    {
        var http = new HttpClient { BaseAddress = new Uri(url) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", secrets.ApiKey);
        return http;
    }

    private static async Task AssertOffsetAsync(HttpClient node, string peer, double seconds)
    {
        JsonElement view = default;
        await Eventually.UntilAsync(
            async () =>
            {
                view = await node.GetJsonAsync("/v1/cluster");
                return view.GetProperty("members").EnumerateArray().Any(m => m.GetProperty("name").GetString() == peer
                    && m.TryGetProperty("clockOffsetSeconds", out var offset) && Math.Abs(offset.GetDouble() - seconds) < 1);
            },
            () => $"/v1/cluster shows {peer}'s clock {seconds:+0;-0} s off: {view}",
            TimeSpan.FromSeconds(60));
    }
}
