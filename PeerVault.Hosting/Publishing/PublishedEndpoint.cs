using Aspire.Hosting.ApplicationModel;

namespace PeerVault.Hosting.Publishing;

/// <summary>An endpoint of a published resource: the port it listens on inside its container, and how it is spoken.</summary>
internal sealed record PublishedEndpoint(string Name, string Scheme, int TargetPort)
{
    /// <summary>What the .NET container images listen on when nothing sets <c>HTTP_PORTS</c>.</summary>
    public const int DotnetImageHttpPort = 8080;

    public bool IsHttp => Scheme is "http" or "https";

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
