using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace PeerVault.Hosting.Publishing;

/// <summary>The application model's compute resources, read once for a publisher, with the settings it publishes them under.</summary>
internal sealed class PublishedApplication
{
    private PublishedApplication(PublishingSettings settings, IReadOnlyList<PublishedService> services)
    {
        Settings = settings;
        Services = services;
    }

    public PublishingSettings Settings { get; }

    public IReadOnlyList<PublishedService> Services { get; }

    public PublishedService this[IResource resource]
        => Services.FirstOrDefault(s => s.Resource == resource)
           ?? throw new DistributedApplicationException($"'{resource.Name}' is referenced but is not a container the application deploys.");

    public static async Task<PublishedApplication> LoadAsync(DistributedApplicationModel model, DistributedApplicationExecutionContext executionContext, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(executionContext);
        var settings = PublishingSettings.From(executionContext);
        var services = new List<PublishedService>();
        foreach (var resource in model.GetComputeResources())
        {
            var endpoints = PublishedEndpoint.Of(resource);
            services.Add(new PublishedService
            {
                Resource = resource,
                Image = ContainerImage.Of(resource, settings.ImageTag),
                Endpoints = endpoints,
                Environment = await PublishedEnvironment.EvaluateAsync(resource, executionContext, cancellationToken),
                Arguments = await PublishedEnvironment.EvaluateArgumentsAsync(resource, executionContext, cancellationToken),
                // A cluster is no container: waiting for it is waiting for each of its nodes.
                Waits = [.. resource.Annotations.OfType<WaitAnnotation>().SelectMany(w => w.Resource is PeerVaultClusterResource cluster ? cluster.Nodes.Select(n => new WaitAnnotation(n, w.WaitType)) : [w])],
                Health = HttpHealthProbe.Of(resource),
                Data = resource.Annotations.OfType<DataDirectoryAnnotation>().LastOrDefault(),
                Member = resource.Annotations.OfType<PeerVaultNodeAnnotation>().LastOrDefault(),
            });
        }

        if (services.Any(s => string.Equals(s.Name, AspireDashboard.Name, StringComparison.OrdinalIgnoreCase)))
        {
            throw new DistributedApplicationException($"A resource is named '{AspireDashboard.Name}', the name the published dashboard takes; rename the resource.");
        }

        return new PublishedApplication(settings, services);
    }
}
