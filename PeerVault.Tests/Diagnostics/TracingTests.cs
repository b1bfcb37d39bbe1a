using System.Diagnostics;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Diagnostics;

/// <summary>One client operation is one trace across every node it touches, joined through the P2P message's trace context.</summary>
[Trait("Category", "InProcess")]
[Collection(nameof(TelemetrySerial))]
public sealed class TracingTests
{
    [Fact]
    public async Task One_put_through_node3_is_one_trace_with_each_replicas_spans_under_node3s_transfer_span()
    {
        using var telemetry = new TelemetryCapture();
        await using var cluster = await TestCluster.StartAsync(3);
        ActivityTraceId trace;
        using (var root = TelemetryCapture.TestSource.StartActivity("demo store picture_0.png", ActivityKind.Client))
        {
            trace = root!.TraceId;
            await cluster["node3"].Http.PutObjectAsync("traced/picture_0.png", DemoFiles.ContentBytes);
        }

        // Replication past the write quorum finishes after the PUT answers.
        await telemetry.WaitForAsync(t => t.InTrace(trace).Count(s => s.OperationName == "ReceiveReplica") == 2, "both replicas' receive spans");
        await telemetry.WaitForAsync(t => t.InTrace(trace).Count(s => s.OperationName == "VerifyReplica") == 2, "both replicas' verify spans");
        // node3's client span of each transfer ends when the replica's answer arrives, after the replica's own spans.
        await telemetry.WaitForAsync(t => t.InTrace(trace).Count(s => s.OperationName == "ReplicateObject") == 2, "node3's two transfer spans");
        // ASP.NET Core ends its server span after the response is sent, so it can trail the client.
        await telemetry.WaitForAsync(t => t.InTrace(trace).Any(s => s.Kind == ActivityKind.Server && s.Source.Name == "Microsoft.AspNetCore"), "node3's HTTP server span");
        var spans = telemetry.InTrace(trace);

        Assert.Equal(["node1", "node2", "node3"], spans.Select(s => s.Node()).OfType<string>().Distinct().Order());
        var put = Assert.Single(spans, s => s.OperationName == "PutObject");
        Assert.Equal("node3", put.Node());
        Assert.Equal("traced/picture_0.png", put.GetTagItem("peervault.key"));
        var server = Assert.Single(spans, s => s.Kind == ActivityKind.Server && s.Source.Name == "Microsoft.AspNetCore");
        Assert.Equal(server.SpanId, put.ParentSpanId);

        var transfers = spans.Where(s => s.OperationName == "ReplicateObject").ToList();
        Assert.Equal(2, transfers.Count);
        Assert.All(transfers, t =>
        {
            Assert.Equal(ActivityKind.Client, t.Kind);
            Assert.Equal("node3", t.Node());
            Assert.Equal(put.SpanId, t.ParentSpanId);
            Assert.Equal(put.GetTagItem("peervault.object_id"), t.GetTagItem("peervault.object_id"));
            Assert.NotNull(t.GetTagItem("network.peer.port"));
        });

        foreach (var receive in spans.Where(s => s.OperationName == "ReceiveReplica"))
        {
            Assert.Equal(ActivityKind.Server, receive.Kind);
            var transfer = Assert.Single(transfers, t => t.SpanId == receive.ParentSpanId);
            Assert.Equal(transfer.Peer(), receive.Node());
            Assert.Equal("node3", receive.Peer());
            var steps = spans.Where(s => s.ParentSpanId == receive.SpanId).Select(s => s.OperationName).Order();
            Assert.Equal(["FsyncReplica", "VerifyReplica", "WriteReplica"], steps);
        }
    }

    [Fact]
    public async Task A_get_served_from_a_peer_is_one_trace_across_both_nodes()
    {
        using var telemetry = new TelemetryCapture();
        await using var cluster = await TestCluster.StartAsync(2, settings: new Dictionary<string, string?> { ["PEERVAULT_REPLICAS"] = "1", ["PEERVAULT_WRITE_QUORUM"] = "1" });
        await cluster["node1"].Http.PutObjectAsync("traced/on-one-node.txt", [1, 2, 3]);

        // With R=1 one node holds the key; a read through the other streams it from there.
        var holder = (await cluster["node1"].Http.GetJsonAsync("/v1/placement/traced/on-one-node.txt")).GetProperty("placement")[0].GetString()!;
        var reader = cluster.Nodes.Single(n => n.Name != holder);

        ActivityTraceId trace;
        using (var root = TelemetryCapture.TestSource.StartActivity("demo fetch", ActivityKind.Client))
        {
            trace = root!.TraceId;
            Assert.Equal([1, 2, 3], await reader.Http.GetObjectAsync("traced/on-one-node.txt"));
        }

        await telemetry.WaitForAsync(t => t.InTrace(trace).Any(s => s.OperationName == "ServeFetch"), "the serving node's span");
        var spans = telemetry.InTrace(trace);
        var get = Assert.Single(spans, s => s.OperationName == "GetObject");
        var fetch = Assert.Single(spans, s => s.OperationName == "FetchObject");
        var serve = Assert.Single(spans, s => s.OperationName == "ServeFetch");
        Assert.Equal(reader.Name, get.Node());
        Assert.Equal(get.SpanId, fetch.ParentSpanId);
        Assert.Equal(ActivityKind.Client, fetch.Kind);
        Assert.Equal(holder, serve.Node());
        Assert.Equal(ActivityKind.Server, serve.Kind);
        Assert.Equal(fetch.SpanId, serve.ParentSpanId);
        Assert.Equal(holder, get.GetTagItem("peervault.served_by"));
        Assert.False(reader.Store.TryGetLocal("traced/on-one-node.txt", out _), "a node that is not a replica streams the object through without keeping it");
    }
}

[CollectionDefinition(nameof(TelemetrySerial), DisableParallelization = true)]
public sealed class TelemetrySerial;
