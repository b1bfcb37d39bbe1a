using Aspire.Hosting.ApplicationModel;

namespace Aspire.Hosting.Publishing;

/// <summary>An endpoint of a deployed resource: its container port and how it is spoken.</summary>
internal sealed record DeployedEndpoint(string Name, string Scheme, string Transport, int TargetPort);

/// <summary>
/// A project resource as it will run in a container: ports, environment, dependencies, data
/// volume. Every publisher renders this one description, so the three outputs cannot disagree
/// on what a resource needs.
/// </summary>
internal sealed record DeployedProject(
    ProjectResource Resource,
    IReadOnlyList<DeployedEndpoint> Endpoints,
    IReadOnlyList<KeyValuePair<string, EnvironmentValue>> Environment,
    IReadOnlyList<WaitAnnotation> Waits,
    DataDirectoryAnnotation? Data,
    IReadOnlyList<string> Args)
{
    public string Name => Resource.Name;

    /// <summary>The image a container build of this project produces (see the project's ContainerRepository).</summary>
    public string Image => Path.GetFileNameWithoutExtension(Resource.Project.ProjectPath).ToLowerInvariant().Replace('.', '-');

    public DeployedEndpoint? Http => Endpoints.FirstOrDefault(e => e.Transport == "http");

    public HealthProbeAnnotation? HealthProbe => Resource.Annotations.OfType<HealthProbeAnnotation>().FirstOrDefault();

    public static IReadOnlyList<DeployedProject> From(IEnumerable<IResource> resources)
        => [.. resources.OfType<ProjectResource>().Select(Describe)];

    private static DeployedProject Describe(ProjectResource project)
    {
        var endpoints = project.Annotations.OfType<EndpointAnnotation>()
            .Select(e => new DeployedEndpoint(e.Name, e.UriScheme, e.Transport, TargetPort(e)))
            .ToList();
        // A container's HTTP port comes from HTTP_PORTS (the .NET images' convention); the rest is the
        // same description a local run resolves.
        var environment = project.Annotations.OfType<EndpointAnnotation>()
            .Where(e => e.Transport == "http" && e.TargetPortEnvironmentVariable is null)
            .Take(1)
            .Select(http => new KeyValuePair<string, EnvironmentValue>("HTTP_PORTS", new EndpointValue(project, http, PortOnly: true)))
            .Concat(ProjectEnvironment.Describe(project))
            .ToList();

        return new DeployedProject(
            project,
            endpoints,
            environment,
            [.. project.Annotations.OfType<WaitAnnotation>()],
            project.Annotations.OfType<DataDirectoryAnnotation>().FirstOrDefault(),
            [.. project.Annotations.OfType<CommandLineArgsAnnotation>().SelectMany(a => a.Args)]);
    }

    /// <summary>The port inside the container: declared, else 8080 for HTTP (the .NET images' default).</summary>
    public static int TargetPort(EndpointAnnotation endpoint)
        => endpoint.TargetPort ?? (endpoint.Transport == "http" ? 8080 : throw new InvalidOperationException($"Endpoint '{endpoint.Name}' needs a targetPort to be published."));
}
