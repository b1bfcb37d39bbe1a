namespace PeerVault.Hosting.Publishing.Kubernetes;

/// <summary>The standalone Aspire dashboard as a Deployment behind a ClusterIP Service: OTLP for the pods, the UI for <c>kubectl port-forward</c> or an ingress.</summary>
internal static class DashboardManifests
{
    private static readonly PublishedEndpoint Ui = new("ui", "http", AspireDashboard.UiPort);
    private static readonly PublishedEndpoint OtlpGrpc = new("otlp-grpc", "http", AspireDashboard.OtlpGrpcPort);

    public static List<YamlMap> Build(string application, KubernetesEnvironment environment)
    {
        var labels = KubernetesObjects.Labels(AspireDashboard.Name, application);
        var container = PodTemplates.Container(AspireDashboard.Name, AspireDashboard.Image, PodTemplates.ApplicationResources)
            .With("ports", PodTemplates.Ports([Ui, OtlpGrpc]))
            .With("env", new List<YamlMap>
            {
                new() { { "name", AspireDashboard.FrontendAuthModeVariable }, { "value", "BrowserToken" } },
                new() { { "name", AspireDashboard.BrowserTokenVariable }, { "valueFrom", environment.SecretOf(AspireDashboard.BrowserToken).Source } },
                new() { { "name", AspireDashboard.OtlpAuthModeVariable }, { "value", "Unsecured" } },
            })
            .Mounts(null);

        return
        [
            KubernetesObjects.Service(AspireDashboard.Name, AspireDashboard.Name, application, [Ui, OtlpGrpc]),
            KubernetesObjects.Header("apps/v1", "Deployment", AspireDashboard.Name, application).With("spec", new YamlMap
            {
                { "replicas", 1 },
                { "selector", new YamlMap { { "matchLabels", labels } } },
                { "template", new YamlMap { { "metadata", new YamlMap { { "labels", labels } } }, { "spec", PodTemplates.Pod([container]) } } },
            }),
        ];
    }
}
