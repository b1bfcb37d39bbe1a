using Aspire.Hosting.ApplicationModel;

namespace Aspire.Hosting.Publishing;

/// <summary>Runs the publisher named by <c>--publisher</c> into <c>--output-path</c>.</summary>
internal static class ManifestPublishers
{
    public static async Task<int> PublishAsync(DistributedApplicationBuilder builder, CancellationToken cancellationToken)
    {
        var publisher = builder.ExecutionContext.Publisher;
        var output = builder.ExecutionContext.OutputPath;
        IReadOnlyList<IResource> resources = [.. builder.Resources];
        switch (publisher)
        {
            case "manifest":
                output ??= "aspire-manifest.json";
                await AspireManifestPublisher.WriteAsync(resources, output, cancellationToken);
                break;
            case "docker-compose":
                output ??= "docker-compose";
                await DockerComposePublisher.WriteAsync(resources, output, cancellationToken);
                break;
            case "kubernetes":
                output ??= "kubernetes";
                await KubernetesPublisher.WriteAsync(resources, output, cancellationToken);
                break;
            default:
                await Console.Error.WriteLineAsync($"Unknown publisher '{publisher}'. Use manifest, docker-compose or kubernetes.");
                return 2;
        }

        Console.WriteLine($"Published the {publisher} output to {Path.GetFullPath(output)}");
        return 0;
    }
}
