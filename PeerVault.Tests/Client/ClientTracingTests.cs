using System.Diagnostics;
using PeerVault.Client;
using PeerVault.Tests.Diagnostics;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Client;

/// <summary>The client's span is where the caller's trace enters the cluster: the node's spans are its descendants.</summary>
[Trait("Category", "InProcess")]
[Collection(nameof(TelemetrySerial))]
public sealed class ClientTracingTests
{
    [Fact]
    public async Task A_put_is_one_client_span_whose_http_request_carries_the_trace_into_the_coordinating_node()
    {
        using var telemetry = new TelemetryCapture();
        await using var cluster = await TestCluster.StartAsync(3);
        var options = new PeerVaultClientOptions { ApiKey = cluster.Secrets.ApiKey };
        options.Endpoints.Add(cluster["node3"].Http.BaseAddress!);
        using var client = new PeerVaultClient(options);

        ActivityTraceId trace;
        using (var root = TelemetryCapture.TestSource.StartActivity("service stores a file", ActivityKind.Internal))
        {
            trace = root!.TraceId;
            await client.PutAsync("traced/by-client.txt", "hello"u8.ToArray(), TestContext.Current.CancellationToken);
        }

        await telemetry.WaitForAsync(t => t.InTrace(trace).Any(s => s.OperationName == "PutObject"), "node3's PutObject span in the caller's trace");
        await telemetry.WaitForAsync(t => t.InTrace(trace).Any(s => s.Kind == ActivityKind.Server && s.Source.Name == "Microsoft.AspNetCore"), "node3's HTTP server span");
        var spans = telemetry.InTrace(trace);

        var put = Assert.Single(spans, s => s.Source.Name == PeerVaultClient.ActivitySourceName);
        Assert.Equal("peervault put", put.OperationName);
        Assert.Equal("traced/by-client.txt", put.GetTagItem("peervault.key"));
        Assert.Equal(cluster["node3"].Http.BaseAddress!.Port, put.GetTagItem("server.port"));
        var http = Assert.Single(spans, s => s.Source.Name == "System.Net.Http");
        Assert.Equal(put.SpanId, http.ParentSpanId);
        var server = Assert.Single(spans, s => s.Kind == ActivityKind.Server && s.Source.Name == "Microsoft.AspNetCore");
        Assert.Equal(http.SpanId, server.ParentSpanId);
        Assert.Equal(server.SpanId, Assert.Single(spans, s => s.OperationName == "PutObject").ParentSpanId);
        Assert.Contains(telemetry.Measurements, m => m.Instrument == "peervault.client.operation.duration" && m.Tags.Contains("put", StringComparison.Ordinal));
    }
}
