using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Net;

/// <summary>
/// Every node measures each connected peer's clock (the handshake's greetings, then each
/// heartbeat's round trip) and shows it: per member in <c>/v1/cluster</c>, as the gauge
/// <c>peervault.clock.offset</c>, and as a degraded health naming the peer once an offset passes
/// <c>PEERVAULT_CLOCK_OFFSET_WARN_SECONDS</c> (5 s by default). Three in-process nodes: node1's wall
/// clock 20 s fast (inside the handshake's 30 s window), node3's 2 s fast (within the warning).
/// </summary>
[Trait("Category", "InProcess")]
public sealed class PeerClockTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_peer_20_s_ahead_is_shown_per_member_counted_and_makes_health_degraded_naming_it()
    {
        using var gauge = new OffsetGauge();
        await using var cluster = await TestCluster.StartAsync(3, clocks: new Dictionary<string, TimeProvider>
        {
            ["node1"] = new SkewedClock(TimeSpan.FromSeconds(20)),
            ["node3"] = new SkewedClock(TimeSpan.FromSeconds(2)),
        });
        var (node1, node2, node3) = (cluster["node1"], cluster["node2"], cluster["node3"]);

        // Each view: the others' offsets, relative to the node asked (the test runs all three on one real clock).
        await AssertOffsetsAsync(node2, ("node1", 20), ("node3", 2));
        await AssertOffsetsAsync(node1, ("node2", -20), ("node3", -18));
        await AssertOffsetsAsync(node3, ("node1", 18), ("node2", -2));
        var view = await node2.Http.GetJsonAsync("/v1/cluster");
        Assert.Equal(5, view.GetProperty("node").GetProperty("clockOffsetWarnSeconds").GetDouble());
        Assert.False(Member(view, "node2").TryGetProperty("clockOffsetSeconds", out _), "a node shows no offset against itself");

        // Every node sees a peer 18 to 20 s off: all degraded, each naming the peers beyond 5 s and only those.
        var cases = new (TestNode Node, string[] Named, string? Unnamed)[]
        {
            (node1, ["node2's clock is -20.", "node3's clock is -18."], null),
            (node2, ["node1's clock is +20."], "node3"),
            (node3, ["node1's clock is +18."], "node2"),
        };
        foreach (var (node, named, unnamed) in cases)
        {
            using var anonymous = node.Anonymous();
            await Poll.UntilAsync(async () => await anonymous.GetStringAsync("/health", Ct) == "Degraded", $"{node.Name}'s /health says Degraded");
            var clock = (await node.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(Ct)).Entries["clock"];
            Assert.Equal(HealthStatus.Degraded, clock.Status);
            Assert.All(named, peer => Assert.Contains(peer, clock.Description, StringComparison.Ordinal));
            if (unnamed is not null)
            {
                Assert.DoesNotContain(unnamed, clock.Description, StringComparison.Ordinal);
            }

            foreach (var peer in named)
            {
                // The log has milliseconds (-19.999 where health rounds to -20.0): the name and the sign.
                var logged = $"Peer {peer[..(peer.IndexOf(" is ", StringComparison.Ordinal) + 5)]}";
                await Poll.UntilAsync(() => node.Logs.Lines.Any(l => l.StartsWith("Warning", StringComparison.Ordinal) && l.Contains(logged, StringComparison.Ordinal)), $"{node.Name} logs a warning: {logged}…");
            }
        }

        // The gauge, per peer, in seconds (from whichever node measured it).
        gauge.Collect();
        Assert.Contains(gauge.Values, v => v.Peer == "node1" && v.Seconds is > 19 and < 21);
        Assert.Contains(gauge.Values, v => v.Peer == "node2" && v.Seconds is > -21 and < -19);
    }

    [Fact]
    public async Task Peers_within_the_warning_leave_health_healthy()
    {
        await using var cluster = await TestCluster.StartAsync(2, clocks: new Dictionary<string, TimeProvider> { ["node1"] = new SkewedClock(TimeSpan.FromSeconds(3)) });

        await AssertOffsetsAsync(cluster["node2"], ("node1", 3));
        foreach (var node in cluster.Nodes)
        {
            var report = await node.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(Ct);
            Assert.True(report.Status == HealthStatus.Healthy, $"{node.Name}: {report.Entries["clock"].Description}");
        }
    }

    /// <summary>Waits until <paramref name="node"/>'s /v1/cluster shows every peer's offset within half a second of the expected one.</summary>
    private static async Task AssertOffsetsAsync(TestNode node, params (string Peer, double Seconds)[] expected)
    {
        JsonElement view = default;
        await Eventually.UntilAsync(
            async () =>
            {
                view = await node.Http.GetJsonAsync("/v1/cluster");
                return expected.All(e => Member(view, e.Peer).TryGetProperty("clockOffsetSeconds", out var offset) && Math.Abs(offset.GetDouble() - e.Seconds) < 0.5);
            },
            () => $"{node.Name}'s /v1/cluster shows {string.Join(", ", expected.Select(e => $"{e.Peer} {e.Seconds:+0;-0} s"))}: {view}",
            TimeSpan.FromSeconds(20));
        foreach (var (peer, _) in expected)
        {
            Assert.True(Member(view, peer).GetProperty("clockOffsetUncertaintySeconds").GetDouble() is >= 0 and < 0.5);
        }
    }

    private static JsonElement Member(JsonElement view, string name)
        => view.GetProperty("members").EnumerateArray().Single(m => m.GetProperty("name").GetString() == name);

    /// <summary>Reads <c>peervault.clock.offset</c> from every node in this process, as an exporter would.</summary>
    private sealed class OffsetGauge : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentQueue<(string? Peer, double Seconds)> _values = new();

        public OffsetGauge()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Name == "peervault.clock.offset")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<double>((_, value, tags, _) =>
            {
                string? peer = null;
                foreach (var tag in tags)
                {
                    if (tag.Key == "peervault.peer")
                    {
                        peer = tag.Value as string;
                    }
                }

                _values.Enqueue((peer, value));
            });
            _listener.Start();
        }

        public IReadOnlyCollection<(string? Peer, double Seconds)> Values => _values;

        public void Collect() => _listener.RecordObservableInstruments();

        public void Dispose() => _listener.Dispose();
    }
}
