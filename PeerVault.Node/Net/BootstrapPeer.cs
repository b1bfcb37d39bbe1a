using System.Net;
using Microsoft.Extensions.ServiceDiscovery;

namespace PeerVault.Node.Net;

/// <summary>
/// A peer to reach before gossip has told this node anything: a service-discovery name
/// (<c>services__node1__tcp__0</c>), resolved through <see cref="ServiceEndpointResolver"/> on every
/// attempt (configuration locally, DNS in Kubernetes) and required to present that name in the
/// handshake; or a <c>host:port</c>, whose host may resolve to several addresses (a Kubernetes
/// headless Service names every pod), each of which is dialed.
/// </summary>
public sealed record BootstrapPeer(string? ServiceName, string? Host, int Port)
{
    public string Display => ServiceName ?? $"{Host}:{Port}";

    public static BootstrapPeer FromService(string name) => new(name, null, 0);

    public static BootstrapPeer FromAddress(string host, int port) => new(null, host, port);

    /// <summary>Every address to dial now.</summary>
    public async Task<IReadOnlyList<DnsEndPoint>> ResolveAsync(ServiceEndpointResolver resolver, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(resolver);
        if (ServiceName is null)
        {
            if (IPAddress.TryParse(Host, out _))
            {
                return [new DnsEndPoint(Host!, Port)];
            }

            var addresses = await Dns.GetHostAddressesAsync(Host!, cancellationToken);
            return [.. addresses.Select(a => new DnsEndPoint(a.ToString(), Port))];
        }

        var source = await resolver.GetEndpointsAsync($"tcp://{ServiceName}", cancellationToken);
        var found = new List<DnsEndPoint>();
        foreach (var endpoint in source.Endpoints)
        {
            switch (endpoint.EndPoint)
            {
                case DnsEndPoint dns when dns.Port > 0:
                    found.Add(dns);
                    break;
                case IPEndPoint ip when ip.Port > 0:
                    found.Add(new DnsEndPoint(ip.Address.ToString(), ip.Port));
                    break;
                case UriEndPoint uri when uri.Uri.Port > 0:
                    found.Add(new DnsEndPoint(uri.Uri.Host, uri.Uri.Port));
                    break;
            }
        }

        return found.Count > 0 ? found : throw new IOException($"Service discovery has no tcp endpoint for '{ServiceName}'.");
    }
}
