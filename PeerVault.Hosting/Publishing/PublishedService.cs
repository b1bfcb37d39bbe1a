using Aspire.Hosting.ApplicationModel;

namespace PeerVault.Hosting.Publishing;

/// <summary>
/// One compute resource of the application model as it will run in a container: everything both
/// publishers read, gathered and evaluated once so that the compose file and the Kubernetes
/// manifests cannot disagree about what a resource needs.
/// </summary>
internal sealed class PublishedService
{
    public required IResource Resource { get; init; }

    public string Name => Resource.Name;

    public required ContainerImage Image { get; init; }

    public required IReadOnlyList<PublishedEndpoint> Endpoints { get; init; }

    /// <summary>The environment as the model describes it, unresolved (see <see cref="PublishedEnvironment"/>).</summary>
    public required IReadOnlyList<KeyValuePair<string, object>> Environment { get; init; }

    public required IReadOnlyList<object> Arguments { get; init; }

    public required IReadOnlyList<WaitAnnotation> Waits { get; init; }

    public required HttpHealthProbe? Health { get; init; }

    public required DataDirectoryAnnotation? Data { get; init; }

    /// <summary>Set when the resource is one member of a PeerVault cluster.</summary>
    public required PeerVaultNodeAnnotation? Member { get; init; }

    /// <summary>Aspire points the OTLP exporter of such a resource at its dashboard.</summary>
    public bool SendsTelemetry => Resource.Annotations.OfType<OtlpExporterAnnotation>().Any();

    /// <summary>
    /// A resource nothing can call and nothing can ask about its health does its work and exits
    /// (the demo): compose must not restart it and Kubernetes runs it as a Job.
    /// </summary>
    public bool RunsToCompletion => Endpoints.Count == 0 && !Resource.Annotations.OfType<HealthCheckAnnotation>().Any();

    /// <summary>Where the health check answers, seen from <paramref name="host"/>.</summary>
    public string? ProbeUrl(string host, string path)
    {
        if (Health is null)
        {
            return null;
        }

        var endpoint = Endpoints.Single(e => e.Name == Health.EndpointName);
        return $"{endpoint.Scheme}://{host}:{endpoint.TargetPort}{path}";
    }

    /// <summary>
    /// The command that checks this service's health from inside a container of its image: the
    /// .NET images have no curl, so a PeerVault service probes itself (<c>dotnet App.dll --probe URL</c>,
    /// as PeerVault.Node does). Only for projects with an HTTP health check.
    /// </summary>
    public IReadOnlyList<string>? ProbeCommand(string host, string path)
        => Image.AssemblyFile is { } assembly && ProbeUrl(host, path) is { } url ? ["dotnet", assembly, "--probe", url] : null;
}
