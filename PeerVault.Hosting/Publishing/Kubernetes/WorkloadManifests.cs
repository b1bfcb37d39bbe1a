using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace PeerVault.Hosting.Publishing.Kubernetes;

/// <summary>
/// A resource outside any cluster: a Job when it runs to completion (the demo), else a Deployment
/// behind a ClusterIP Service. Either first waits, in an init container, for the resources it
/// WaitFor()s to pass their health checks, as it does under <c>aspire run</c>.
/// </summary>
internal static class WorkloadManifests
{
    /// <summary>How long a Job may take, waiting included, before Kubernetes stops it.</summary>
    public const int JobDeadlineSeconds = 1800;

    public static async Task<List<YamlMap>> BuildAsync(PublishedService service, PublishedApplication application, string applicationName, KubernetesAddressing addressing, KubernetesEnvironment environment, bool withDashboard, CancellationToken cancellationToken)
    {
        if (service.Data is not null)
        {
            throw new DistributedApplicationException($"'{service.Name}' has a data directory but is not a PeerVault cluster member; PeerVault's Kubernetes publisher gives volumes to cluster members only.");
        }

        var name = KubernetesAddressing.ServiceName(service.Resource);
        var variables = service.Environment.ToList();
        if (withDashboard && service.SendsTelemetry)
        {
            variables.AddRange(AspireDashboard.OtlpEnvironment(service.Name).Select(e => new KeyValuePair<string, object>(e.Key, e.Value)));
        }

        var (env, args) = await environment.BuildAsync(variables, service.Arguments, cancellationToken);
        var container = PodTemplates.Container(name, service.Image.Reference, PodTemplates.ApplicationResources)
            .With("args", args.Count > 0 ? args : null)
            .With("ports", service.Endpoints.Count > 0 ? PodTemplates.Ports(service.Endpoints) : null)
            .With("env", env)
            .Mounts(null);
        PodTemplates.AddProbes(container, service.Health, service.Endpoints);

        var labels = KubernetesObjects.Labels(name, applicationName);
        var waits = WaitContainers(service, application, addressing);
        if (service.RunsToCompletion)
        {
            return
            [
                KubernetesObjects.Header("batch/v1", "Job", name, applicationName).With("spec", new YamlMap
                {
                    { "backoffLimit", 2 },
                    { "activeDeadlineSeconds", JobDeadlineSeconds },
                    { "template", new YamlMap { { "metadata", new YamlMap { { "labels", labels } } }, { "spec", PodTemplates.Pod([container], waits, restartPolicy: "Never") } } },
                }),
            ];
        }

        return
        [
            KubernetesObjects.Service(name, name, applicationName, service.Endpoints),
            KubernetesObjects.Header("apps/v1", "Deployment", name, applicationName).With("spec", new YamlMap
            {
                { "replicas", 1 },
                { "selector", new YamlMap { { "matchLabels", labels } } },
                { "template", new YamlMap { { "metadata", new YamlMap { { "labels", labels } } }, { "spec", PodTemplates.Pod([container], waits) } } },
            }),
        ];
    }

    /// <summary>
    /// One init container per image waited on, polling each dependency's health check with that
    /// image's own probe (<c>dotnet App.dll --probe URL</c>) until all answer. Kubernetes starts
    /// every workload at once, so a dependency without a health check needs no wait.
    /// </summary>
    private static List<YamlMap> WaitContainers(PublishedService service, PublishedApplication application, KubernetesAddressing addressing)
    {
        var targets = new List<(PublishedService Target, string Url)>();
        foreach (var wait in service.Waits)
        {
            var target = application[wait.Resource];
            if (wait.WaitType == WaitType.WaitForCompletion)
            {
                throw new DistributedApplicationException($"'{service.Name}' waits for '{target.Name}' to complete, which PeerVault's Kubernetes publisher cannot express.");
            }

            if (target.Health is { } health && target.Image.AssemblyFile is not null)
            {
                targets.Add((target, target.ProbeUrl(addressing.Host(target), health.ReadinessPath)!));
            }
        }

        return [.. targets.GroupBy(t => t.Target.Image).Select(group =>
        {
            var waitedFor = group.Select(t => t.Target.Member?.Cluster ?? t.Target.Name).Distinct();
            var script = $"for url in \"$@\"; do until dotnet {group.Key.AssemblyFile} --probe \"$url\"; do echo \"waiting for $url\"; sleep 2; done; done";
            return PodTemplates.Container(PublishingSettings.KubernetesName($"wait-for-{string.Join("-", waitedFor)}"), group.Key.Reference, PodTemplates.WaitResources)
                .With("command", new[] { "sh", "-c", addressing.Literal(script), "wait-for" }.Concat(group.Select(t => t.Url)).ToList())
                .Mounts(null);
        })];
    }
}
