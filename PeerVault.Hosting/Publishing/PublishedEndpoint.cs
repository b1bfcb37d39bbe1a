using System.Globalization;
using Aspire.Hosting.ApplicationModel;

namespace PeerVault.Hosting.Publishing;

/// <summary>An endpoint of a published resource: the port it listens on inside its container, and how it is spoken.</summary>
internal sealed record PublishedEndpoint(string Name, string Scheme, int TargetPort)
{
    /// <summary>What the .NET container images listen on when nothing sets <c>HTTP_PORTS</c>.</summary>
    public const int DotnetImageHttpPort = 8080;

    public bool IsHttp => Scheme is "http" or "https";

    /// <summary>One property of this endpoint (an expression's <c>.url</c>, <c>.port</c>…) when the resource is reached at <paramref name="host"/>.</summary>
    public string Property(EndpointProperty property, string host, string resourceName)
    {
        var port = TargetPort.ToString(CultureInfo.InvariantCulture);
        return property switch
        {
            EndpointProperty.Url => $"{Scheme}://{host}:{port}",
            EndpointProperty.Host or EndpointProperty.IPV4Host => host,
            EndpointProperty.Port or EndpointProperty.TargetPort => port,
            EndpointProperty.HostAndPort => $"{host}:{port}",
            EndpointProperty.Scheme => Scheme,
            EndpointProperty.TlsEnabled => Scheme == "https" ? "true" : "false",
            _ => throw new NotSupportedException($"Endpoint property {property} of '{resourceName}'."),
        };
    }

    /// <summary>
    /// Resolves the container ports as Aspire's publishers do (<see cref="ResourceExtensions.ResolveEndpoints"/>):
    /// a declared target port is kept; a project's first HTTP endpoint without one gets the .NET
    /// images' default; anything else without one gets a port from Aspire's allocator.
    /// </summary>
    public static IReadOnlyList<PublishedEndpoint> Of(IResource resource)
        => [.. resource.ResolveEndpoints().Select(resolved => new PublishedEndpoint(
            resolved.Endpoint.Name,
            resolved.Endpoint.UriScheme,
            resolved.TargetPort.Value ?? DotnetImageHttpPort))];
}
