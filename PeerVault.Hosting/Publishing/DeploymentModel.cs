using Aspire.Hosting.ApplicationModel;

namespace Aspire.Hosting.Publishing;

/// <summary>A value in a deployed resource's environment, before a publisher writes it in its own syntax.</summary>
internal abstract record DeployedValue;

internal sealed record LiteralValue(string Text) : DeployedValue;

/// <summary>The URL (or port) of another resource's endpoint, as seen from inside the deployment.</summary>
internal sealed record EndpointValue(string Resource, string Endpoint, string Scheme, int TargetPort, bool PortOnly) : DeployedValue;

internal sealed record ParameterValue(ParameterResource Parameter) : DeployedValue;

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
    IReadOnlyList<KeyValuePair<string, DeployedValue>> Environment,
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
        var environment = new List<KeyValuePair<string, DeployedValue>>();
        void Add(string name, DeployedValue value) => environment.Add(new(name, value));

        var http = project.Annotations.OfType<EndpointAnnotation>().Where(e => e.Transport == "http" && e.TargetPortEnvironmentVariable is null).ToList();
        if (http.Count > 0)
        {
            Add("HTTP_PORTS", new EndpointValue(project.Name, http[0].Name, http[0].UriScheme, TargetPort(http[0]), PortOnly: true));
        }

        foreach (var endpoint in project.Annotations.OfType<EndpointAnnotation>().Where(e => e.TargetPortEnvironmentVariable is not null))
        {
            Add(endpoint.TargetPortEnvironmentVariable!, new EndpointValue(project.Name, endpoint.Name, endpoint.UriScheme, TargetPort(endpoint), PortOnly: true));
        }

        foreach (var target in project.Annotations.OfType<ResourceReferenceAnnotation>().Select(r => r.Target))
        {
            foreach (var endpoint in target.Annotations.OfType<EndpointAnnotation>())
            {
                Add($"services__{target.Name}__{endpoint.Name}__0", new EndpointValue(target.Name, endpoint.Name, endpoint.UriScheme, TargetPort(endpoint), PortOnly: false));
            }
        }

        var data = project.Annotations.OfType<DataDirectoryAnnotation>().FirstOrDefault();
        if (data is not null)
        {
            Add(data.EnvironmentVariable, new LiteralValue(data.MountPath));
        }

        foreach (var variable in project.Annotations.OfType<EnvironmentAnnotation>())
        {
            Add(variable.Name, variable.Value switch
            {
                string text => new LiteralValue(text),
                ParameterResource parameter => new ParameterValue(parameter),
                EndpointReference endpoint => new EndpointValue(endpoint.Resource.Name, endpoint.EndpointName, endpoint.Annotation.UriScheme, TargetPort(endpoint.Annotation), PortOnly: false),
                var other => throw new InvalidOperationException($"Cannot publish an environment value of type {other.GetType().Name}."),
            });
        }

        return new DeployedProject(
            project,
            endpoints,
            environment,
            [.. project.Annotations.OfType<WaitAnnotation>()],
            data,
            [.. project.Annotations.OfType<CommandLineArgsAnnotation>().SelectMany(a => a.Args)]);
    }

    /// <summary>The port inside the container: declared, else 8080 for HTTP (the .NET images' default).</summary>
    private static int TargetPort(EndpointAnnotation endpoint)
        => endpoint.TargetPort ?? (endpoint.Transport == "http" ? 8080 : throw new InvalidOperationException($"Endpoint '{endpoint.Name}' needs a targetPort to be published."));
}
