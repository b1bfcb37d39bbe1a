using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace PeerVault.Hosting;

/// <summary>
/// A resource keeps state in a directory named by an environment variable. Projects have no volume
/// concept in Aspire, so run mode points the variable at a folder of the AppHost's that survives
/// runs, and PeerVault's publishers mount a named volume (compose) or a persistent volume claim
/// (Kubernetes) at <see cref="MountPath"/>.
/// </summary>
public sealed class DataDirectoryAnnotation(string environmentVariable, string localPath, string mountPath) : IResourceAnnotation
{
    public string EnvironmentVariable { get; } = environmentVariable;

    /// <summary>The folder used when the AppHost runs the application.</summary>
    public string LocalPath { get; } = localPath;

    /// <summary>Where the volume is mounted inside a container.</summary>
    public string MountPath { get; } = mountPath;
}

public static class DataDirectoryExtensions
{
    /// <summary>The default mount path of a data volume inside a container.</summary>
    public const string DefaultMountPath = "/data";

    /// <summary>
    /// Gives the resource a data directory in <paramref name="environmentVariable"/>: <paramref name="localPath"/>
    /// (created if missing) when run, <paramref name="mountPath"/> on a volume when published.
    /// </summary>
    public static IResourceBuilder<T> WithDataDirectory<T>(this IResourceBuilder<T> builder, string environmentVariable, string localPath, string mountPath = DefaultMountPath)
        where T : IResourceWithEnvironment
    {
        ArgumentNullException.ThrowIfNull(builder);
        var annotation = new DataDirectoryAnnotation(environmentVariable, Path.GetFullPath(localPath), mountPath);
        return builder
            .WithAnnotation(annotation)
            .WithEnvironment(context =>
            {
                if (context.ExecutionContext.IsRunMode)
                {
                    Directory.CreateDirectory(annotation.LocalPath);
                    context.EnvironmentVariables[environmentVariable] = annotation.LocalPath;
                }
                else
                {
                    context.EnvironmentVariables[environmentVariable] = annotation.MountPath;
                }
            });
    }
}
