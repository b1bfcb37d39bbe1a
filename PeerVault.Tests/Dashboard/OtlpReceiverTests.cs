using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Dashboard;
using Aspire.Hosting.Dashboard.Telemetry;
using Google.Protobuf;
using OpenTelemetry.Proto.Collector.Trace.V1;
using OpenTelemetry.Proto.Common.V1;
using OpenTelemetry.Proto.Trace.V1;

namespace PeerVault.Tests.Dashboard;

/// <summary>The dashboard's OTLP/HTTP endpoint and its store, without the rest of the AppHost.</summary>
public sealed class OtlpReceiverTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ExportTraceServiceRequest Spans(string service, int count, byte traceByte)
    {
        var scope = new ScopeSpans { Scope = new InstrumentationScope { Name = "test" } };
        for (var i = 0; i < count; i++)
        {
            scope.Spans.Add(new Span
            {
                TraceId = ByteString.CopyFrom([.. Enumerable.Repeat(traceByte, 16)]),
                SpanId = ByteString.CopyFrom([.. BitConverter.GetBytes((long)i + 1)]),
                Name = $"span-{i}",
                Kind = Span.Types.SpanKind.Server,
                StartTimeUnixNano = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000,
                EndTimeUnixNano = ((ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 5) * 1_000_000,
                Attributes = { new KeyValue { Key = "peervault.key", Value = new AnyValue { StringValue = $"k{i}" } } },
            });
        }

        var resource = new OpenTelemetry.Proto.Resource.V1.Resource { Attributes = { new KeyValue { Key = "service.name", Value = new AnyValue { StringValue = service } } } };
        return new ExportTraceServiceRequest { ResourceSpans = { new ResourceSpans { Resource = resource, ScopeSpans = { scope } } } };
    }

    [Fact]
    public async Task Protobuf_spans_posted_with_the_api_key_are_stored_and_served_as_json_and_bad_senders_are_refused()
    {
        var options = new DashboardOptions { UiPort = 0, OtlpGrpcPort = 0, OtlpHttpPort = 0 };
        await using var dashboard = await DashboardHost.StartAsync(options, new ResourceNotificationService(), new ResourceLoggerService(TimeProvider.System), new ResourceCommandService(), Ct);
        using var otlp = new HttpClient { BaseAddress = new Uri(dashboard.OtlpHttpEndpoint) };
        var body = Spans("svc-a", 3, 0xAB).ToByteArray();

        using var anonymous = new ByteArrayContent(body);
        anonymous.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        Assert.Equal(HttpStatusCode.Unauthorized, (await otlp.PostAsync("/v1/traces", anonymous, Ct)).StatusCode);

        otlp.DefaultRequestHeaders.Add("x-otlp-api-key", dashboard.Options.OtlpApiKey);
        using var garbage = new ByteArrayContent([0xFF, 0xFF, 0xFF]);
        garbage.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        Assert.Equal(HttpStatusCode.BadRequest, (await otlp.PostAsync("/v1/traces", garbage, Ct)).StatusCode);

        using var json = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await otlp.PostAsync("/v1/traces", json, Ct)).StatusCode);

        using var good = new ByteArrayContent(body);
        good.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        using var accepted = await otlp.PostAsync("/v1/traces", good, Ct);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal("application/x-protobuf", accepted.Content.Headers.ContentType?.MediaType);

        using var api = new HttpClient { BaseAddress = dashboard.BaseUrl };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", dashboard.Options.BrowserToken);
        var traces = JsonDocument.Parse(await api.GetStringAsync("/api/traces?service=svc-a", Ct)).RootElement;
        var trace = Assert.Single(traces.EnumerateArray());
        Assert.Equal(string.Concat(Enumerable.Repeat("ab", 16)), trace.GetProperty("traceId").GetString());
        Assert.Equal(3, trace.GetProperty("spanCount").GetInt32());
        var spans = JsonDocument.Parse(await api.GetStringAsync($"/api/traces/{trace.GetProperty("traceId").GetString()}", Ct)).RootElement.GetProperty("spans");
        Assert.All(spans.EnumerateArray(), s =>
        {
            Assert.Equal("svc-a", s.GetProperty("service").GetString());
            Assert.Equal("Server", s.GetProperty("kind").GetString());
            Assert.StartsWith("k", s.GetProperty("attributes").GetProperty("peervault.key").GetString(), StringComparison.Ordinal);
        });
    }

    [Fact]
    public void Each_resource_keeps_at_most_its_cap_dropping_its_own_oldest_first_and_counting_them()
    {
        var store = new TelemetryStore(maxSpansPerResource: 10);
        store.Add(Spans("quiet", 4, 0x01).ResourceSpans);
        store.Add(Spans("chatty", 7, 0x02).ResourceSpans);
        store.Add(Spans("chatty", 7, 0x03).ResourceSpans);

        var stats = store.Stats();
        Assert.Equal(14, stats.Spans);
        Assert.Equal(4, stats.DroppedSpans);
        Assert.Equal(4, store.Traces("quiet").Single().SpanCount);
        Assert.Equal(7, store.Trace(string.Concat(Enumerable.Repeat("03", 16))).Count);
        Assert.Equal(3, store.Trace(string.Concat(Enumerable.Repeat("02", 16))).Count);
    }
}
