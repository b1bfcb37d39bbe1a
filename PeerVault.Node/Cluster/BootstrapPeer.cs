using System.Globalization;
using Microsoft.Extensions.ServiceDiscovery;

namespace PeerVault.Node.Cluster;

/// <summary>
/// A peer to dial at start-up. <see cref="ServiceName"/> is set when it came from service
/// discovery (<c>services__node1__tcp__0</c>): the address is then resolved through
/// <see cref="ServiceEndpointResolver"/> on every attempt (configuration locally, DNS in
/// Kubernetes) and the peer must present that name in the handshake.
/// </summary>
public sealed record BootstrapPeer(string? ServiceName, string? Host, int Port)
{
    public string Display => ServiceName ?? $"{Host}:{Port}";

    /// <summary>Every service-discovery entry with a <c>tcp</c> endpoint, and every <c>host:port</c> in PEERVAULT_BOOTSTRAP.</summary>
    public static IReadOnlyList<BootstrapPeer> FromConfiguration(IConfiguration configuration, string selfName)
    {
        var peers = new List<BootstrapPeer>();
        foreach (var service in configuration.GetSection("services").GetChildren())
        {
            if (!string.Equals(service.Key, selfName, StringComparison.OrdinalIgnoreCase) && service.GetSection("tcp").GetChildren().Any())
            {
                peers.Add(new BootstrapPeer(service.Key, null, 0));
            }
        }

        var listed = configuration[Hosting.NodeSettings.BootstrapVariable] ?? string.Empty;
        foreach (var entry in listed.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = entry.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(entry.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            {
                throw new Security.NodeConfigurationException($"{Hosting.NodeSettings.BootstrapVariable} entry '{entry}' is not host:port.");
            }

            peers.Add(new BootstrapPeer(null, entry[..colon].Trim('[', ']'), port));
        }

        return peers;
    }

    /// <summary>Where to dial now.</summary>
    public async Task<(string Host, int Port)> ResolveAsync(ServiceEndpointResolver resolver, CancellationToken cancellationToken)
    {
        if (ServiceName is null)
        {
            return (Host!, Port);
        }

        var source = await resolver.GetEndpointsAsync($"tcp://{ServiceName}", cancellationToken);
        foreach (var endpoint in source.Endpoints)
        {
            switch (endpoint.EndPoint)
            {
                case System.Net.DnsEndPoint dns when dns.Port > 0:
                    return (dns.Host, dns.Port);
                case System.Net.IPEndPoint ip when ip.Port > 0:
                    return (ip.Address.ToString(), ip.Port);
                case UriEndPoint uri when uri.Uri.Port > 0:
                    return (uri.Uri.Host, uri.Uri.Port);
            }
        }

        throw new IOException($"Service discovery has no tcp endpoint for '{ServiceName}'.");
    }
}
