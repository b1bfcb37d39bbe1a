using System.Text;
using Aspire.Hosting.ApplicationModel;
using YamlDotNet.Serialization;

namespace Aspire.Hosting.Publishing;

/// <summary>
/// Writes plain Kubernetes YAML for <c>kubectl apply -f</c>: a Secret holding the parameters (as
/// <c>${NAME}</c> placeholders, to be filled by <c>envsubst</c>), and per project either a
/// StatefulSet (one replica, a volumeClaimTemplate for its data, a headless Service giving it the
/// stable DNS name peers bootstrap from) or, for a project without health checks that runs to
/// completion (the demo), a Job. Probes, resource requests and a non-root security context are set
/// on every container.
/// </summary>
internal static class KubernetesPublisher
{
    public const string SecretName = "peervault-parameters";
    public const int AppUserId = 1654; // the "app" user of the .NET container images

    public static async Task WriteAsync(IReadOnlyList<IResource> resources, string outputDirectory, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(outputDirectory);
        var serializer = new SerializerBuilder().WithQuotingNecessaryStrings().Build();
        var parameters = resources.OfType<ParameterResource>().ToList();
        if (parameters.Count > 0)
        {
            await WriteAsync(serializer, Path.Combine(outputDirectory, "parameters-secret.yaml"), [Secret(parameters)], HowToFill(parameters), cancellationToken);
        }

        foreach (var project in DeployedProject.From(resources))
        {
            var documents = project.HealthProbe is null
                ? new List<object> { Job(project) }
                : [HeadlessService(project), StatefulSet(project)];
            await WriteAsync(serializer, Path.Combine(outputDirectory, $"{project.Name}.yaml"), documents, null, cancellationToken);
        }
    }

    private static async Task WriteAsync(ISerializer serializer, string path, IEnumerable<object> documents, string? header, CancellationToken cancellationToken)
    {
        var text = new StringBuilder(header);
        foreach (var document in documents)
        {
            text.AppendLine("---");
            text.Append(serializer.Serialize(document));
        }

        await File.WriteAllTextAsync(path, text.ToString(), cancellationToken);
    }

    private static string HowToFill(IEnumerable<ParameterResource> parameters)
    {
        var header = new StringBuilder("# Fill the placeholders from the environment, e.g.\n");
        foreach (var parameter in parameters)
        {
            header.AppendLine($"#   export {SecretPlaceholders.VariableName(parameter)}=$({SecretPlaceholders.HowToGenerate(parameter)})");
        }

        header.AppendLine("#   envsubst < parameters-secret.yaml | kubectl apply -f -");
        return header.ToString();
    }

    private static Dictionary<string, object> Secret(IEnumerable<ParameterResource> parameters) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Secret",
        ["metadata"] = Metadata(SecretName, "peervault"),
        ["type"] = "Opaque",
        ["stringData"] = parameters.ToDictionary(p => p.Name, SecretPlaceholders.Placeholder),
    };

    private static Dictionary<string, object> HeadlessService(DeployedProject project) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Service",
        ["metadata"] = Metadata(project.Name, project.Name),
        ["spec"] = new Dictionary<string, object>
        {
            // Headless: the name resolves to the pod itself, so peers see each other's real addresses.
            ["clusterIP"] = "None",
            ["publishNotReadyAddresses"] = true,
            ["selector"] = new Dictionary<string, string> { ["app.kubernetes.io/name"] = project.Name },
            ["ports"] = project.Endpoints.Select(e => new Dictionary<string, object> { ["name"] = e.Name, ["port"] = e.TargetPort, ["targetPort"] = e.Name, ["protocol"] = "TCP" }).ToList(),
        },
    };

    private static Dictionary<string, object> StatefulSet(DeployedProject project)
    {
        var spec = new Dictionary<string, object>
        {
            ["serviceName"] = project.Name,
            ["replicas"] = 1,
            ["selector"] = new Dictionary<string, object> { ["matchLabels"] = new Dictionary<string, string> { ["app.kubernetes.io/name"] = project.Name } },
            ["template"] = PodTemplate(project, restartPolicy: null),
        };
        if (project.Data is not null)
        {
            spec["volumeClaimTemplates"] = new[]
            {
                new Dictionary<string, object>
                {
                    ["metadata"] = new Dictionary<string, string> { ["name"] = "data" },
                    ["spec"] = new Dictionary<string, object>
                    {
                        ["accessModes"] = new[] { "ReadWriteOnce" },
                        ["resources"] = new Dictionary<string, object> { ["requests"] = new Dictionary<string, string> { ["storage"] = "1Gi" } },
                    },
                },
            };
        }

        return new Dictionary<string, object>
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = "StatefulSet",
            ["metadata"] = Metadata(project.Name, project.Name),
            ["spec"] = spec,
        };
    }

    private static Dictionary<string, object> Job(DeployedProject project) => new()
    {
        ["apiVersion"] = "batch/v1",
        ["kind"] = "Job",
        ["metadata"] = Metadata(project.Name, project.Name),
        ["spec"] = new Dictionary<string, object>
        {
            ["backoffLimit"] = 4,
            ["template"] = PodTemplate(project, restartPolicy: "OnFailure"),
        },
    };

    private static Dictionary<string, object> PodTemplate(DeployedProject project, string? restartPolicy)
    {
        var container = new Dictionary<string, object>
        {
            ["name"] = project.Name,
            ["image"] = $"{project.Image}:latest",
            ["env"] = Environment(project),
            ["resources"] = new Dictionary<string, object>
            {
                ["requests"] = new Dictionary<string, string> { ["cpu"] = "100m", ["memory"] = "128Mi" },
                ["limits"] = new Dictionary<string, string> { ["memory"] = "512Mi" },
            },
            ["securityContext"] = new Dictionary<string, object>
            {
                ["runAsNonRoot"] = true,
                ["runAsUser"] = AppUserId,
                ["allowPrivilegeEscalation"] = false,
                ["readOnlyRootFilesystem"] = true,
                ["capabilities"] = new Dictionary<string, object> { ["drop"] = new[] { "ALL" } },
            },
        };
        if (project.Args.Count > 0)
        {
            container["args"] = project.Args;
        }

        if (project.Endpoints.Count > 0)
        {
            container["ports"] = project.Endpoints.Select(e => new Dictionary<string, object> { ["name"] = e.Name, ["containerPort"] = e.TargetPort, ["protocol"] = "TCP" }).ToList();
        }

        if (project.HealthProbe is { } probe && project.Http is { } http)
        {
            container["readinessProbe"] = Probe(probe.Path, http.Name, periodSeconds: 5);
            container["livenessProbe"] = Probe("/alive", http.Name, periodSeconds: 10);
        }

        var mounts = new List<object> { new Dictionary<string, string> { ["name"] = "tmp", ["mountPath"] = "/tmp" } };
        var volumes = new List<object> { new Dictionary<string, object> { ["name"] = "tmp", ["emptyDir"] = new Dictionary<string, object>() } };
        if (project.Data is { } data)
        {
            mounts.Add(new Dictionary<string, string> { ["name"] = "data", ["mountPath"] = data.MountPath });
        }

        container["volumeMounts"] = mounts;
        var pod = new Dictionary<string, object>
        {
            ["securityContext"] = new Dictionary<string, object> { ["runAsNonRoot"] = true, ["fsGroup"] = AppUserId },
            ["containers"] = new[] { container },
            ["volumes"] = volumes,
        };
        if (restartPolicy is not null)
        {
            pod["restartPolicy"] = restartPolicy;
        }

        return new Dictionary<string, object>
        {
            ["metadata"] = new Dictionary<string, object> { ["labels"] = new Dictionary<string, string> { ["app.kubernetes.io/name"] = project.Name, ["app.kubernetes.io/part-of"] = "peervault" } },
            ["spec"] = pod,
        };
    }

    private static List<object> Environment(DeployedProject project)
    {
        var env = new List<object>();
        foreach (var (name, value) in project.Environment)
        {
            env.Add(value is ParameterValue parameter
                ? new Dictionary<string, object>
                {
                    ["name"] = name,
                    ["valueFrom"] = new Dictionary<string, object> { ["secretKeyRef"] = new Dictionary<string, string> { ["name"] = SecretName, ["key"] = parameter.Parameter.Name } },
                }
                : new Dictionary<string, object> { ["name"] = name, ["value"] = SecretPlaceholders.Render(value) });
        }

        env.Add(new Dictionary<string, object> { ["name"] = "OTEL_SERVICE_NAME", ["value"] = project.Name });
        return env;
    }

    private static Dictionary<string, object> Probe(string path, string port, int periodSeconds) => new()
    {
        ["httpGet"] = new Dictionary<string, object> { ["path"] = path, ["port"] = port },
        ["periodSeconds"] = periodSeconds,
        ["failureThreshold"] = 6,
    };

    private static Dictionary<string, object> Metadata(string name, string app) => new()
    {
        ["name"] = name,
        ["labels"] = new Dictionary<string, string> { ["app.kubernetes.io/name"] = app, ["app.kubernetes.io/part-of"] = "peervault" },
    };
}
