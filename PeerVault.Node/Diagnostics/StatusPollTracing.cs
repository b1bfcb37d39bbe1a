using OpenTelemetry.Instrumentation.AspNetCore;

namespace PeerVault.Node.Diagnostics;

/// <summary>
/// Status polls are not operations: the AppHost's cluster health check reads every node's
/// <c>/v1/cluster</c> every few seconds, the dashboard's Cluster status command and
/// <c>peervault doctor</c> read it on demand. Traced as traces of their own they would bury what
/// people watch (client operations, replication, repair) under hundreds of polls an hour. A status
/// read is traced only when its caller made it part of a trace (a <c>traceparent</c> header: a
/// traced CLI command, a span of a client's own); the request metrics count every poll regardless.
/// </summary>
internal static class StatusPollTracing
{
    private static readonly PathString[] StatusPaths = ["/v1/cluster", "/health", "/alive"];

    /// <summary>Wraps the instrumentation's filter (ServiceDefaults' one) so untraced status reads are left out too.</summary>
    public static void LeaveOutUntracedPolls(AspNetCoreTraceInstrumentationOptions options)
    {
        var inner = options.Filter;
        options.Filter = context => !IsUntracedPoll(context.Request) && (inner?.Invoke(context) ?? true);
    }

    public static bool IsUntracedPoll(HttpRequest request)
        => (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
           && !request.Headers.ContainsKey("traceparent")
           && Array.Exists(StatusPaths, path => IsExactly(request.Path, path));

    // "/v1/cluster" and "/v1/cluster/" are the status; "/v1/cluster/sync" (POST) is an action.
    private static bool IsExactly(PathString requested, PathString status)
        => requested.StartsWithSegments(status, out var rest) && (!rest.HasValue || rest.Value == "/");
}
