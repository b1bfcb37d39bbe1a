using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Diagnostics;
using PeerVault.Node.Cluster;
using PeerVault.Node.Cluster.Membership;

namespace PeerVault.Node.Api;

/// <summary>
/// The last resort: an exception no endpoint expected becomes a 500 problem with the trace id and
/// nothing else (never a stack trace, exception text or path, in any environment); the details go
/// to the log under that trace id. Two exceptions any endpoint may meet have their own answer, a 503
/// with Retry-After: a node still joining its cluster (<see cref="ClusterJoiningException"/>) and too
/// few replicas answering (<see cref="ReplicasUnreachableException"/>).
/// </summary>
internal sealed partial class ProblemExceptionHandler(ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (!httpContext.Response.HasStarted && exception is ClusterJoiningException or ReplicasUnreachableException)
        {
            httpContext.Response.Clear();
            httpContext.Response.Headers.RetryAfter = ClusterReadiness.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
            var answer = exception is ClusterJoiningException ? Problems.Joining(exception.Message) : Problems.ListingIncomplete(exception.Message);
            await answer.ExecuteAsync(httpContext);
            return true;
        }

        LogUnhandled(exception, httpContext.Request.Method, httpContext.Request.Path, Activity.Current?.TraceId.ToString() ?? httpContext.TraceIdentifier);
        httpContext.Response.Clear();
        await Problems.Internal().ExecuteAsync(httpContext);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Method} {Path} failed (trace {TraceId})")]
    private partial void LogUnhandled(Exception exception, string method, string path, string traceId);
}
