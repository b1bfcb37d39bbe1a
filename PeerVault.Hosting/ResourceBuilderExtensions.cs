using Aspire.Hosting.ApplicationModel;

namespace Aspire.Hosting;

/// <summary>The <c>With…</c>/<c>WaitFor</c> vocabulary of an AppHost, as in Aspire.</summary>
public static class ResourceBuilderExtensions
{
    /// <summary>An HTTP endpoint; the process learns its address through ASPNETCORE_URLS.</summary>
    public static IResourceBuilder<T> WithHttpEndpoint<T>(this IResourceBuilder<T> builder, int? port = null, int? targetPort = null, string? name = null, string? env = null)
        where T : IResourceWithEndpoints
        => builder.WithEndpoint(port, targetPort, "http", name, env);

    /// <summary>A network endpoint. Name it after its scheme (<c>tcp</c>); <paramref name="env"/> names the variable that carries its port.</summary>
    public static IResourceBuilder<T> WithEndpoint<T>(this IResourceBuilder<T> builder, int? port = null, int? targetPort = null, string? scheme = null, string? name = null, string? env = null)
        where T : IResourceWithEndpoints
    {
        scheme ??= "tcp";
        name ??= scheme;
        if (builder.Resource.Annotations.OfType<EndpointAnnotation>().Any(e => e.Name == name))
        {
            throw new InvalidOperationException($"Resource '{builder.Resource.Name}' already has an endpoint named '{name}'.");
        }

        return builder.WithAnnotation(new EndpointAnnotation(name, scheme, port, targetPort, env));
    }

    public static EndpointReference GetEndpoint<T>(this IResourceBuilder<T> builder, string name)
        where T : IResourceWithEndpoints
        => new(builder.Resource, name);

    /// <summary>Injects service discovery for every endpoint of <paramref name="source"/>.</summary>
    public static IResourceBuilder<T> WithReference<T>(this IResourceBuilder<T> builder, IResourceBuilder<IResourceWithEndpoints> source)
        where T : IResourceWithEnvironment
        => builder.WithAnnotation(new ResourceReferenceAnnotation(source.Resource));

    public static IResourceBuilder<T> WithEnvironment<T>(this IResourceBuilder<T> builder, string name, string value)
        where T : IResourceWithEnvironment
        => builder.WithAnnotation(new EnvironmentAnnotation(name, value));

    public static IResourceBuilder<T> WithEnvironment<T>(this IResourceBuilder<T> builder, string name, IResourceBuilder<ParameterResource> parameter)
        where T : IResourceWithEnvironment
        => builder.WithAnnotation(new EnvironmentAnnotation(name, parameter.Resource));

    public static IResourceBuilder<T> WithEnvironment<T>(this IResourceBuilder<T> builder, string name, EndpointReference endpoint)
        where T : IResourceWithEnvironment
        => builder.WithAnnotation(new EnvironmentAnnotation(name, endpoint));

    public static IResourceBuilder<T> WithArgs<T>(this IResourceBuilder<T> builder, params string[] args)
        where T : IResource
        => builder.WithAnnotation(new CommandLineArgsAnnotation(args));

    /// <summary>Start only after <paramref name="dependency"/> is Running and Healthy.</summary>
    public static IResourceBuilder<T> WaitFor<T>(this IResourceBuilder<T> builder, IResourceBuilder<IResource> dependency)
        where T : IResourceWithWaitSupport
        => builder.WithAnnotation(new WaitAnnotation(dependency.Resource, WaitType.WaitUntilHealthy));

    /// <summary>Start only after <paramref name="dependency"/> has exited with code 0.</summary>
    public static IResourceBuilder<T> WaitForCompletion<T>(this IResourceBuilder<T> builder, IResourceBuilder<IResource> dependency)
        where T : IResourceWithWaitSupport
        => builder.WithAnnotation(new WaitAnnotation(dependency.Resource, WaitType.WaitForCompletion));

    /// <summary>Probes <paramref name="path"/> on the resource's HTTP endpoint; the resource is Healthy when it answers 2xx.</summary>
    public static IResourceBuilder<T> WithHttpHealthCheck<T>(this IResourceBuilder<T> builder, string path = "/health", string endpointName = "http")
        where T : IResourceWithEndpoints
        => builder.WithAnnotation(new HealthProbeAnnotation(path, endpointName));
}
