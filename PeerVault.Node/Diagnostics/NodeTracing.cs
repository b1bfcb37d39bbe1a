using System.Diagnostics;
using System.Net;
using PeerVault.Node.Security;

namespace PeerVault.Node.Diagnostics;

/// <summary>
/// The node's spans (ActivitySource <c>PeerVault.Node</c>). Client operations are internal spans
/// under ASP.NET Core's server span; each replica transfer and peer fetch is a client span; the
/// receiving node's server span is parented through the W3C trace context carried in the P2P
/// message, so one client operation is one trace across every node it touched.
/// </summary>
public sealed class NodeTracing(NodeIdentity self)
{
    public const string SourceName = "PeerVault.Node";

    public static readonly ActivitySource Source = new(SourceName, typeof(NodeTracing).Assembly.GetName().Version?.ToString());

    public Activity? StartOperation(string name, string key)
        => Tag(Source.StartActivity(name, ActivityKind.Internal), key);

    /// <summary>A span for talking to one peer (replica transfer, fetch, delete).</summary>
    public Activity? StartPeerCall(string name, string key, string peer, EndPoint? remote)
        => TagPeer(Tag(Source.StartActivity(name, ActivityKind.Client), key), peer, remote, "server.address");

    /// <summary>The receiving side of a peer's request, continuing the trace the peer sent.</summary>
    public Activity? StartPeerServer(string name, string? key, string? traceParent, string? traceState, string peer, EndPoint? remote)
    {
        ActivityContext.TryParse(traceParent, traceState, isRemote: true, out var parent);
        return TagPeer(Tag(Source.StartActivity(name, ActivityKind.Server, parent), key), peer, remote, "client.address");
    }

    public Activity? StartStep(string name) => Tag(Source.StartActivity(name, ActivityKind.Internal), null);

    public static void Fail(Activity? activity, Exception exception)
    {
        activity?.SetStatus(ActivityStatusCode.Error, exception.Message);
        activity?.SetTag("error.type", exception.GetType().FullName);
    }

    /// <summary>OpenTelemetry's network attributes for the peer on the other end; <paramref name="role"/> is server.address or client.address.</summary>
    private static Activity? TagPeer(Activity? activity, string peer, EndPoint? remote, string role)
    {
        if (activity is not null)
        {
            activity.SetTag(role, peer);
            activity.SetTag("peervault.peer", peer);
            if (remote is IPEndPoint endpoint)
            {
                activity.SetTag("network.peer.address", endpoint.Address.ToString());
                activity.SetTag("network.peer.port", endpoint.Port);
            }

            activity.SetTag("network.transport", "tcp");
        }

        return activity;
    }

    private Activity? Tag(Activity? activity, string? key)
    {
        if (activity is not null)
        {
            activity.SetTag("peervault.node", self.Name);
            if (key is not null)
            {
                activity.SetTag("peervault.key", key);
            }
        }

        return activity;
    }
}
