using Aspire.Hosting.ApplicationModel;

namespace Aspire.Hosting;

public static class ProjectResourceBuilderExtensions
{
    /// <summary>Adds a referenced .NET project, run as its own process; <typeparamref name="TProject"/> is a generated <c>Projects.X</c> class.</summary>
    public static IResourceBuilder<ProjectResource> AddProject<TProject>(this IDistributedApplicationBuilder builder, string name)
        where TProject : IProjectMetadata, new()
        => builder.AddResource(new ProjectResource(name, new TProject()));

    /// <summary>
    /// Gives the resource a data directory: a folder under the AppHost's data root when run here
    /// (<c>PeerVault:DataRoot</c>, default <c>.peervault-data</c> beside the AppHost), a persistent
    /// volume at <paramref name="mountPath"/> when published. Its path reaches the process through
    /// <paramref name="environmentVariable"/>.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithDataDirectory(this IResourceBuilder<ProjectResource> builder, string environmentVariable, string mountPath = "/data")
        => builder.WithAnnotation(new DataDirectoryAnnotation(environmentVariable, mountPath));
}

public static class ParameterResourceBuilderExtensions
{
    /// <summary>
    /// A parameter read from <c>Parameters:{name}</c>. A secret one that is not configured gets a
    /// generated value, persisted in the AppHost's user secrets so later runs reuse it.
    /// </summary>
    public static IResourceBuilder<ParameterResource> AddParameter(this IDistributedApplicationBuilder builder, string name, bool secret = false)
        => builder.AddResource(new ParameterResource(name, secret, secret ? new GenerateParameterDefault() : null) { Persist = secret });

    /// <summary>A parameter with a default used when none is configured; <paramref name="persist"/> keeps a generated default in user secrets.</summary>
    public static IResourceBuilder<ParameterResource> AddParameter(this IDistributedApplicationBuilder builder, string name, ParameterDefault value, bool secret = false, bool persist = false)
        => builder.AddResource(new ParameterResource(name, secret, value) { Persist = persist || secret });
}
