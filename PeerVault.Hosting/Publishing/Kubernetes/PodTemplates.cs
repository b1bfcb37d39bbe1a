namespace PeerVault.Hosting.Publishing.Kubernetes;

/// <summary>
/// What every pod gets, so that each passes the Pod Security "restricted" profile: a non-root
/// user (1654, the .NET images' <c>app</c>), the runtime's default seccomp profile, no privilege
/// escalation, no capabilities, a read-only root filesystem with an <c>emptyDir</c> at <c>/tmp</c>
/// (the .NET runtime's diagnostics socket and temp files), resource requests and limits, and
/// images pulled only when missing, since every tag is pinned.
/// </summary>
internal static class PodTemplates
{
    /// <summary>The <c>app</c> user of the .NET container images.</summary>
    public const int AppUserId = 1654;

    public const string TempVolume = "tmp";
    public const string DataVolume = "data";

    /// <summary>The same request and limit for every application container: small enough for a laptop cluster.</summary>
    public static YamlMap ApplicationResources => Resources("100m", "128Mi", "1", "512Mi");

    /// <summary>A wait that runs a probe every few seconds needs little.</summary>
    public static YamlMap WaitResources => Resources("10m", "32Mi", "200m", "128Mi");

    public static YamlMap Pod(IEnumerable<YamlMap> containers, IEnumerable<YamlMap>? initContainers = null, string? restartPolicy = null) => new()
    {
        { "restartPolicy", restartPolicy },

        // No workload here talks to the Kubernetes API.
        { "automountServiceAccountToken", false },
        {
            "securityContext", new YamlMap
            {
                { "runAsNonRoot", true },
                { "runAsUser", AppUserId },
                { "runAsGroup", AppUserId },

                // Volumes (the data claim) become writable by the app user.
                { "fsGroup", AppUserId },
                { "seccompProfile", new YamlMap { { "type", "RuntimeDefault" } } },
            }
        },
        { "initContainers", initContainers?.ToList() is { Count: > 0 } init ? init : null },
        { "containers", containers.ToList() },
        { "volumes", new[] { new YamlMap { { "name", TempVolume }, { "emptyDir", new YamlMap() } } } },
    };

    public static YamlMap Container(string name, string image, YamlMap resources) => new()
    {
        { "name", name },
        { "image", image },
        { "imagePullPolicy", "IfNotPresent" },
        { "resources", resources },
        {
            "securityContext", new YamlMap
            {
                { "runAsNonRoot", true },
                { "runAsUser", AppUserId },
                { "allowPrivilegeEscalation", false },
                { "readOnlyRootFilesystem", true },
                { "capabilities", new YamlMap { { "drop", new List<string> { "ALL" } } } },
                { "seccompProfile", new YamlMap { { "type", "RuntimeDefault" } } },
            }
        },
    };

    public static YamlMap Mounts(this YamlMap container, string? dataMountPath)
    {
        var mounts = new List<YamlMap> { new() { { "name", TempVolume }, { "mountPath", "/tmp" } } };
        if (dataMountPath is not null)
        {
            mounts.Add(new YamlMap { { "name", DataVolume }, { "mountPath", dataMountPath } });
        }

        container.Add("volumeMounts", mounts);
        return container;
    }

    public static List<YamlMap> Ports(IEnumerable<PublishedEndpoint> endpoints)
        => [.. endpoints.Select(e => new YamlMap { { "name", PortName(e) }, { "containerPort", e.TargetPort }, { "protocol", "TCP" } })];

    /// <summary>Readiness on the model's health path, liveness on the "alive" path, both by port name.</summary>
    public static void AddProbes(YamlMap container, HttpHealthProbe? health, IReadOnlyList<PublishedEndpoint> endpoints)
    {
        if (health is null)
        {
            return;
        }

        var port = PortName(endpoints.Single(e => e.Name == health.EndpointName));
        container.Add("readinessProbe", HttpProbe(health.ReadinessPath, port, periodSeconds: 5, failureThreshold: 3));
        container.Add("livenessProbe", HttpProbe(health.LivenessPath, port, periodSeconds: 10, failureThreshold: 6));
    }

    /// <summary>A container port name: at most 15 lower-case letters, digits and '-'.</summary>
    public static string PortName(PublishedEndpoint endpoint)
    {
        var name = PublishingSettings.KubernetesName(endpoint.Name);
        return name.Length <= 15 ? name : name[..15].TrimEnd('-');
    }

    private static YamlMap HttpProbe(string path, string port, int periodSeconds, int failureThreshold) => new()
    {
        { "httpGet", new YamlMap { { "path", path }, { "port", port } } },
        { "initialDelaySeconds", 5 },
        { "periodSeconds", periodSeconds },
        { "timeoutSeconds", 3 },
        { "failureThreshold", failureThreshold },
    };

    private static YamlMap Resources(string cpuRequest, string memoryRequest, string cpuLimit, string memoryLimit) => new()
    {
        { "requests", new YamlMap { { "cpu", cpuRequest }, { "memory", memoryRequest } } },
        { "limits", new YamlMap { { "cpu", cpuLimit }, { "memory", memoryLimit } } },
    };
}
