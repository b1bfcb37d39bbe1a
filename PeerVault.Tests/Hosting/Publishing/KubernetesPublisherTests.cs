using k8s.Models;
using PeerVault.Tests.Infrastructure;
using YamlDotNet.Core;

namespace PeerVault.Tests.Hosting.Publishing;

/// <summary><c>--publisher kubernetes</c>: every document read strictly as its API type, and the objects checked as data.</summary>
[Trait("Category", "Publishing")]
public sealed class KubernetesPublisherTests
{
    private const string SecretTemplate = "parameters-secret.yaml.template";

    private static async Task<(PublishRun Run, KubernetesManifests Manifests)> PublishAsync(TempDirectory directory, params string[] arguments)
    {
        var run = await AppHostPublisher.PublishAsync(directory, "kubernetes", directory.Sub("k8s"), arguments);
        return (run, KubernetesManifests.Load(run.Files));
    }

    private static Dictionary<string, V1EnvVar> Env(V1Container container) => container.Env.ToDictionary(e => e.Name);

    [Fact]
    public async Task Every_document_is_a_valid_object_and_every_pod_meets_the_restricted_pod_security_profile()
    {
        using var directory = new TempDirectory();
        var (run, manifests) = await PublishAsync(directory);

        Assert.Equal(
            ["Deployment/aspire-dashboard", "Job/demo", "PodDisruptionBudget/peervault", "Secret/peervault-parameters", "Service/aspire-dashboard", "Service/peervault", "Service/peervault-http", "Service/peervault-s3", "StatefulSet/peervault"],
            manifests.Objects.Select(o => $"{o.Object.Kind}/{((IMetadata<V1ObjectMeta>)o.Object).Metadata.Name}").Order(StringComparer.Ordinal));
        Assert.Equal(3, manifests.Pods().Count());
        Assert.All(manifests.Pods(), p => Assert.Empty(RestrictedPodSecurity.Violations(p.Owner, p.Pod)));

        // `kubectl apply -f DIR` takes *.yaml, *.yml and *.json: the Secret's template is not among them.
        Assert.Equal(["aspire-dashboard.yaml", "demo.yaml", SecretTemplate, "peervault.yaml"], run.Files.Select(Path.GetFileName).Order(StringComparer.Ordinal));
        AppHostPublisher.AssertNoSecretIn(run);
    }

    [Fact]
    public void Strict_reading_rejects_a_misspelled_field()
    {
        // Proves the check above reads strictly: the client's lenient mode would drop the field.
        const string Misspelled = "apiVersion: v1\nkind: Service\nmetadata:\n  name: x\nspec:\n  clusterIp: None\n";

        Assert.ThrowsAny<YamlException>(() => KubernetesManifests.Parse(Misspelled));
    }

    [Fact]
    public void The_restricted_check_finds_a_pod_that_may_run_as_root()
    {
        var pod = new V1PodSpec { Containers = [new V1Container { Name = "app", Image = "app:1.0.0" }] };

        Assert.NotEmpty(RestrictedPodSecurity.Violations("Pod/app", pod));
    }

    [Fact]
    public async Task The_members_are_one_statefulset_behind_a_headless_service_and_bootstrap_from_its_dns_name()
    {
        using var directory = new TempDirectory();
        var (_, manifests) = await PublishAsync(directory);

        var set = manifests.Named<V1StatefulSet>("peervault");
        var headless = manifests.Named<V1Service>("peervault");
        Assert.Equal(3, set.Spec.Replicas);
        Assert.Equal(headless.Metadata.Name, set.Spec.ServiceName);
        Assert.Equal("None", headless.Spec.ClusterIP);
        Assert.True(headless.Spec.PublishNotReadyAddresses);
        Assert.Equal(set.Spec.Selector.MatchLabels, headless.Spec.Selector);
        Assert.Equal(set.Spec.Selector.MatchLabels, set.Spec.Template.Metadata.Labels);

        var container = Assert.Single(set.Spec.Template.Spec.Containers);
        var ports = container.Ports.ToDictionary(p => p.Name, p => p.ContainerPort);
        Assert.Equal(new Dictionary<string, int> { ["http"] = 8080, ["tcp"] = 7000, ["s3"] = 9000 }, ports);
        var env = Env(container);
        Assert.Equal("metadata.name", env["PEERVAULT_NODE_NAME"].ValueFrom.FieldRef.FieldPath);
        Assert.Equal($"{headless.Metadata.Name}:{ports["tcp"]}", env["PEERVAULT_BOOTSTRAP"].Value);
        Assert.DoesNotContain(env.Keys, k => k.StartsWith("services__", StringComparison.Ordinal) || k.StartsWith("NODE", StringComparison.Ordinal));
        Assert.Equal(ports["tcp"].ToString(System.Globalization.CultureInfo.InvariantCulture), env["P2P_PORT"].Value);
        Assert.Equal(ports["s3"].ToString(System.Globalization.CultureInfo.InvariantCulture), env["S3_PORT"].Value);
        Assert.Equal("s3-access-key", env["PEERVAULT_S3_ACCESS_KEY"].ValueFrom.SecretKeyRef.Key);
        Assert.Equal("s3-secret-key", env["PEERVAULT_S3_SECRET_KEY"].ValueFrom.SecretKeyRef.Key);
        Assert.Equal("peervault-node:1.0.0", container.Image);

        var claim = Assert.Single(set.Spec.VolumeClaimTemplates);
        var mount = Assert.Single(container.VolumeMounts, m => m.Name == claim.Metadata.Name);
        Assert.Equal(env["PEERVAULT_DATA_DIR"].Value, mount.MountPath);
        Assert.Equal(["ReadWriteOnce"], claim.Spec.AccessModes);

        Assert.Equal("/health", container.ReadinessProbe.HttpGet.Path);
        Assert.Equal("http", container.ReadinessProbe.HttpGet.Port.Value);
        Assert.Equal("/alive", container.LivenessProbe.HttpGet.Path);

        var budget = manifests.Named<V1PodDisruptionBudget>("peervault");
        Assert.Equal("1", budget.Spec.MaxUnavailable.Value);
        Assert.Equal(set.Spec.Selector.MatchLabels, budget.Spec.Selector.MatchLabels);

        var clients = manifests.Named<V1Service>("peervault-http");
        Assert.Equal("ClusterIP", clients.Spec.Type);
        Assert.Equal(set.Spec.Selector.MatchLabels, clients.Spec.Selector);
        var api = Assert.Single(clients.Spec.Ports);
        Assert.Equal((8080, "http"), (api.Port, api.TargetPort.Value));

        // S3 clients reach every member through a Service of their own, on the S3 port.
        var s3 = manifests.Named<V1Service>("peervault-s3");
        Assert.Equal("ClusterIP", s3.Spec.Type);
        Assert.Equal(set.Spec.Selector.MatchLabels, s3.Spec.Selector);
        var s3Port = Assert.Single(s3.Spec.Ports);
        Assert.Equal((9000, "s3"), (s3Port.Port, s3Port.TargetPort.Value));
    }

    [Fact]
    public async Task Secrets_are_placeholders_in_a_template_that_pods_read_with_secret_key_refs()
    {
        using var directory = new TempDirectory();
        var (run, manifests) = await PublishAsync(directory);

        var secret = manifests.Named<V1Secret>("peervault-parameters");
        Assert.Equal(
            new Dictionary<string, string> { ["cluster-key"] = "${CLUSTER_KEY}", ["auth-token"] = "${AUTH_TOKEN}", ["api-key"] = "${API_KEY}", ["s3-access-key"] = "${S3_ACCESS_KEY}", ["s3-secret-key"] = "${S3_SECRET_KEY}", ["dashboard-browser-token"] = "${DASHBOARD_BROWSER_TOKEN}" },
            secret.StringData);
        Assert.Null(secret.Data);
        var header = run.Read(SecretTemplate).Split('\n').TakeWhile(l => l.StartsWith('#')).ToList();
        Assert.Contains(header, l => l.Contains("export CLUSTER_KEY=\"$(openssl rand -hex 32)\"", StringComparison.Ordinal));
        Assert.Contains(header, l => l.Contains($"envsubst '${{CLUSTER_KEY}} ${{AUTH_TOKEN}} ${{API_KEY}} ${{S3_ACCESS_KEY}} ${{S3_SECRET_KEY}} ${{DASHBOARD_BROWSER_TOKEN}}' < {SecretTemplate} | kubectl apply -f -", StringComparison.Ordinal));

        var container = Assert.Single(manifests.Named<V1StatefulSet>("peervault").Spec.Template.Spec.Containers);
        var env = Env(container);
        Assert.Equal(("peervault-parameters", "cluster-key"), (env["PEERVAULT_CLUSTER_KEY"].ValueFrom.SecretKeyRef.Name, env["PEERVAULT_CLUSTER_KEY"].ValueFrom.SecretKeyRef.Key));
        Assert.Equal(("peervault-parameters", "auth-token"), (env["PEERVAULT_AUTH_TOKEN"].ValueFrom.SecretKeyRef.Name, env["PEERVAULT_AUTH_TOKEN"].ValueFrom.SecretKeyRef.Key));
        Assert.Equal(("peervault-parameters", "api-key"), (env["PEERVAULT_API_KEY"].ValueFrom.SecretKeyRef.Name, env["PEERVAULT_API_KEY"].ValueFrom.SecretKeyRef.Key));
        Assert.Null(env["PEERVAULT_CLUSTER_KEY"].Value);

        // Every key any pod reads is in the Secret.
        var read = manifests.Pods().SelectMany(p => p.Pod.Containers).SelectMany(c => c.Env ?? []).Where(e => e.ValueFrom?.SecretKeyRef is not null).Select(e => e.ValueFrom.SecretKeyRef.Key);
        Assert.All(read, key => Assert.Contains(key, secret.StringData.Keys));
    }

    [Fact]
    public async Task The_demo_is_a_job_that_waits_for_every_member_and_reaches_each_at_its_pod_name()
    {
        using var directory = new TempDirectory();
        var (_, manifests) = await PublishAsync(directory);

        var job = manifests.Named<V1Job>("demo");
        var pod = job.Spec.Template.Spec;
        Assert.Equal("Never", pod.RestartPolicy);
        Assert.NotNull(job.Spec.ActiveDeadlineSeconds);

        var wait = Assert.Single(pod.InitContainers);
        Assert.Equal("peervault-node:1.0.0", wait.Image);
        Assert.Equal(["sh", "-c"], wait.Command.Take(2));
        Assert.Contains("dotnet PeerVault.Node.dll --probe", wait.Command[2], StringComparison.Ordinal);
        Assert.Equal(["http://peervault-0.peervault:8080/health", "http://peervault-1.peervault:8080/health", "http://peervault-2.peervault:8080/health"], wait.Command.Skip(4));

        // The cluster's connection string: every member at its pod name, the key spliced in from the Secret.
        var container = Assert.Single(pod.Containers);
        var env = Env(container);
        Assert.Equal("Endpoints=http://peervault-0.peervault:8080,http://peervault-1.peervault:8080,http://peervault-2.peervault:8080;Key=$(PARAMETER_API_KEY)", env["ConnectionStrings__peervault"].Value);
        Assert.Equal(("peervault-parameters", "api-key"), (env["PARAMETER_API_KEY"].ValueFrom.SecretKeyRef.Name, env["PARAMETER_API_KEY"].ValueFrom.SecretKeyRef.Key));
        Assert.True(container.Env.ToList().FindIndex(e => e.Name == "PARAMETER_API_KEY") < container.Env.ToList().FindIndex(e => e.Name == "ConnectionStrings__peervault"));

        Assert.Equal("node3", env["DEMO_TARGET"].Value);
        Assert.Equal("peervault-democlient:1.0.0", Assert.Single(pod.Containers).Image);
    }

    [Fact]
    public async Task Every_pod_sends_its_telemetry_to_the_dashboard_whose_ui_token_is_in_the_secret()
    {
        using var directory = new TempDirectory();
        var (_, manifests) = await PublishAsync(directory);

        var service = manifests.Named<V1Service>("aspire-dashboard");
        Assert.Equal([18888, 18889], service.Spec.Ports.Select(p => p.Port).Order());
        var dashboard = Assert.Single(manifests.Named<V1Deployment>("aspire-dashboard").Spec.Template.Spec.Containers);
        Assert.Equal(AppHostPublisher.DashboardImage, dashboard.Image);
        var settings = Env(dashboard);
        Assert.Equal("BrowserToken", settings["DASHBOARD__FRONTEND__AUTHMODE"].Value);
        Assert.Equal("dashboard-browser-token", settings["DASHBOARD__FRONTEND__BROWSERTOKEN"].ValueFrom.SecretKeyRef.Key);

        foreach (var (owner, pod) in manifests.Pods().Where(p => p.Owner != "Deployment/aspire-dashboard"))
        {
            var env = Env(Assert.Single(pod.Containers));
            Assert.True(env["OTEL_EXPORTER_OTLP_ENDPOINT"].Value == "http://aspire-dashboard:18889", owner);
            Assert.Equal("grpc", env["OTEL_EXPORTER_OTLP_PROTOCOL"].Value);
            Assert.True(env["OTEL_SERVICE_NAME"].Value is { Length: > 0 } || env["OTEL_SERVICE_NAME"].ValueFrom?.FieldRef is not null, owner);
        }
    }
}
