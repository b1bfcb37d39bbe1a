namespace PeerVault.Hosting.Publishing.Kubernetes;

/// <summary>
/// A PeerVault cluster as Kubernetes objects: a headless Service (the members' DNS names and their
/// bootstrap address), a ClusterIP Service for clients of the HTTP API, a PodDisruptionBudget that
/// lets a drain take one member at a time, and the StatefulSet with a volume claim per member.
/// </summary>
internal static class ClusterManifests
{
    public const string DataVolumeSize = "1Gi";

    public static async Task<List<YamlMap>> BuildAsync(ClusterLayout cluster, string application, KubernetesEnvironment environment, bool withDashboard, CancellationToken cancellationToken)
    {
        var template = cluster.Template;
        var (env, args) = await environment.BuildAsync(Variables(cluster, withDashboard), template.Arguments, cancellationToken);
        var container = PodTemplates.Container(cluster.Name, template.Image.Reference, PodTemplates.ApplicationResources)
            .With("args", args.Count > 0 ? args : null)
            .With("ports", PodTemplates.Ports(template.Endpoints))
            .With("env", env)
            .Mounts(template.Data?.MountPath);
        PodTemplates.AddProbes(container, template.Health, template.Endpoints);

        var labels = KubernetesObjects.Labels(cluster.Name, application);
        var documents = new List<YamlMap>
        {
            KubernetesObjects.Service(cluster.Name, cluster.Name, application, template.Endpoints, headless: true),
        };
        documents.AddRange(template.Endpoints.Where(e => e.IsHttp).Select(e => KubernetesObjects.Service(cluster.ClientServiceName(e), cluster.Name, application, [e])));
        documents.Add(KubernetesObjects.Header("policy/v1", "PodDisruptionBudget", cluster.Name, application).With("spec", new YamlMap
        {
            { "maxUnavailable", 1 },
            { "selector", new YamlMap { { "matchLabels", labels } } },
        }));
        documents.Add(KubernetesObjects.Header("apps/v1", "StatefulSet", cluster.Name, application).With("spec", new YamlMap
        {
            { "serviceName", cluster.Name },
            { "replicas", cluster.Replicas },

            // Members start together: none waits for another to be ready, and each is ready on its own.
            { "podManagementPolicy", "Parallel" },
            { "selector", new YamlMap { { "matchLabels", labels } } },
            { "template", new YamlMap { { "metadata", new YamlMap { { "labels", labels } } }, { "spec", PodTemplates.Pod([container]) } } },
            { "volumeClaimTemplates", template.Data is null ? null : new[] { DataClaim() } },
        }));
        return documents;
    }

    /// <summary>
    /// Member 0's environment for every member: its name from the pod's own name; instead of a
    /// reference to each other member (<c>services__node2__tcp__0</c>…), the headless Service as the
    /// one bootstrap address, which resolves to every member, however many there are after a scale.
    /// </summary>
    private static List<KeyValuePair<string, object>> Variables(ClusterLayout cluster, bool withDashboard)
    {
        var variables = new List<KeyValuePair<string, object>>();
        foreach (var (name, value) in cluster.Template.Environment)
        {
            if (name == NodeEnvironment.NodeName)
            {
                variables.Add(new(name, ValueFrom.Field("metadata.name")));
            }
            else if (!ValueRenderer.Endpoints(value).Any(e => e.Resource != cluster.Template.Resource && cluster.Members.Any(m => m.Resource == e.Resource)))
            {
                variables.Add(new(name, value));
            }
        }

        variables.Add(new(NodeEnvironment.Bootstrap, $"{cluster.Name}:{cluster.PeerEndpoint.TargetPort}"));
        if (withDashboard && cluster.Template.SendsTelemetry)
        {
            // Each member reports as its pod, as each node reports as itself under `aspire run`.
            variables.AddRange(AspireDashboard.OtlpEnvironment(cluster.Name).Select(e => e.Key == "OTEL_SERVICE_NAME"
                ? new KeyValuePair<string, object>(e.Key, ValueFrom.Field("metadata.name"))
                : new KeyValuePair<string, object>(e.Key, e.Value)));
        }

        return variables;
    }

    private static YamlMap DataClaim() => new()
    {
        { "metadata", new YamlMap { { "name", PodTemplates.DataVolume } } },
        {
            "spec", new YamlMap
            {
                { "accessModes", new List<string> { "ReadWriteOnce" } },
                { "resources", new YamlMap { { "requests", new YamlMap { { "storage", DataVolumeSize } } } } },
            }
        },
    };
}
