namespace Aspire.Hosting.ApplicationModel;

/// <summary>A value in a project's environment, before it is resolved for a run or written into a deployment.</summary>
internal abstract record EnvironmentValue;

internal sealed record LiteralValue(string Text) : EnvironmentValue;

internal sealed record ParameterValue(ParameterResource Parameter) : EnvironmentValue;

/// <summary>An endpoint's URL, or only its port (<paramref name="PortOnly"/>).</summary>
internal sealed record EndpointValue(IResourceWithEndpoints Resource, EndpointAnnotation Endpoint, bool PortOnly) : EnvironmentValue;

/// <summary>Where a resource keeps its data: a local folder when run, the volume's mount path when deployed.</summary>
internal sealed record DataDirectoryValue(IResource Resource, DataDirectoryAnnotation Data) : EnvironmentValue;

/// <summary>
/// What a project's environment is made of, whatever the mode: the variables that carry its own
/// ports, service discovery for each reference (<c>services__{name}__{endpoint}__0</c> and
/// <c>{NAME}_{ENDPOINT}</c>), its data directory, and its <c>WithEnvironment</c> values, last so
/// they can override. Running adds ASPNETCORE_URLS and the OpenTelemetry settings; publishing adds
/// HTTP_PORTS. One description, so a run and a deployment cannot disagree about what a resource needs.
/// </summary>
internal static class ProjectEnvironment
{
    public static IReadOnlyList<KeyValuePair<string, EnvironmentValue>> Describe(ProjectResource project)
    {
        var environment = new List<KeyValuePair<string, EnvironmentValue>>();
        void Add(string name, EnvironmentValue value) => environment.Add(new(name, value));

        foreach (var endpoint in project.Annotations.OfType<EndpointAnnotation>().Where(e => e.TargetPortEnvironmentVariable is not null))
        {
            Add(endpoint.TargetPortEnvironmentVariable!, new EndpointValue(project, endpoint, PortOnly: true));
        }

        foreach (var target in project.Annotations.OfType<ResourceReferenceAnnotation>().Select(r => r.Target))
        {
            foreach (var endpoint in target.Annotations.OfType<EndpointAnnotation>())
            {
                var url = new EndpointValue(target, endpoint, PortOnly: false);
                Add($"services__{target.Name}__{endpoint.Name}__0", url);
                Add($"{VariablePart(target.Name)}_{VariablePart(endpoint.Name)}", url);
            }
        }

        foreach (var data in project.Annotations.OfType<DataDirectoryAnnotation>())
        {
            Add(data.EnvironmentVariable, new DataDirectoryValue(project, data));
        }

        foreach (var variable in project.Annotations.OfType<EnvironmentAnnotation>())
        {
            Add(variable.Name, variable.Value switch
            {
                string text => new LiteralValue(text),
                ParameterResource parameter => new ParameterValue(parameter),
                EndpointReference endpoint => new EndpointValue(endpoint.Resource, endpoint.Annotation, PortOnly: false),
                var other => throw new InvalidOperationException($"Unsupported environment value {other.GetType().Name} for {variable.Name}."),
            });
        }

        return environment;
    }

    /// <summary><c>node-1</c> → <c>NODE_1</c>.</summary>
    private static string VariablePart(string name) => name.ToUpperInvariant().Replace('-', '_');
}
