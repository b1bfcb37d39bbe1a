namespace PeerVault.Hosting.Publishing.Kubernetes;

/// <summary>The parts every object shares: its header, and the labels that tie a workload's pods to its Services.</summary>
internal static class KubernetesObjects
{
    public static YamlMap Header(string apiVersion, string kind, string name, string application) => new()
    {
        { "apiVersion", apiVersion },
        { "kind", kind },
        { "metadata", new YamlMap { { "name", name }, { "labels", Labels(name, application) } } },
    };

    /// <summary>The recommended labels; a workload's selector is exactly these.</summary>
    public static YamlMap Labels(string workload, string application) => new()
    {
        { "app.kubernetes.io/name", workload },
        { "app.kubernetes.io/part-of", application },
    };

    public static YamlMap With(this YamlMap header, string key, object? value)
    {
        header.Add(key, value);
        return header;
    }

    /// <summary>A Service in front of a workload's pods, on the container ports, addressed by port name.</summary>
    public static YamlMap Service(string name, string workload, string application, IEnumerable<PublishedEndpoint> endpoints, bool headless = false)
        => Header("v1", "Service", name, application).With("spec", new YamlMap
        {
            { "type", headless ? null : "ClusterIP" },
            { "clusterIP", headless ? "None" : null },

            // Members must resolve each other while starting, before any of them is ready.
            { "publishNotReadyAddresses", headless ? true : null },
            { "selector", Labels(workload, application) },
            {
                "ports", endpoints.Select(e => new YamlMap
                {
                    { "name", PodTemplates.PortName(e) },
                    { "port", e.TargetPort },
                    { "targetPort", PodTemplates.PortName(e) },
                    { "protocol", "TCP" },
                }).ToList()
            },
        });
}
