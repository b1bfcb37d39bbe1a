using System.Text;
using Aspire.Hosting.ApplicationModel;
using YamlDotNet.Serialization;

namespace Aspire.Hosting.Publishing;

/// <summary>
/// Writes <c>docker-compose.yaml</c> and <c>.env</c> as Aspire's compose publisher does: one service
/// per project (image from its container build), named volumes for data directories, service
/// discovery through compose service names, secrets as <c>${NAME}</c> placeholders listed in
/// <c>.env</c>, health checks, <c>depends_on</c> for WaitFor, and the Aspire dashboard receiving
/// every service's OTLP.
/// </summary>
internal static class DockerComposePublisher
{
    public const string DashboardService = "aspire-dashboard";
    public const string DashboardImage = "mcr.microsoft.com/dotnet/aspire-dashboard:13.1";
    public const int DashboardUiPort = 18888;
    public const int DashboardOtlpGrpcPort = 18889;

    public static async Task WriteAsync(IReadOnlyList<IResource> resources, string outputDirectory, CancellationToken cancellationToken)
    {
        var projects = DeployedProject.From(resources);
        var services = new Dictionary<string, object>
        {
            [DashboardService] = new Dictionary<string, object>
            {
                ["image"] = DashboardImage,
                ["environment"] = new Dictionary<string, string> { ["ASPIRE_DASHBOARD_UNSECURED_ALLOW_ANONYMOUS"] = "true" },
                ["ports"] = new[] { $"{DashboardUiPort}:{DashboardUiPort}" },
                ["expose"] = new[] { $"{DashboardOtlpGrpcPort}" },
                ["restart"] = "always",
            },
        };
        var volumes = new Dictionary<string, object>();
        var hostPort = 8081;

        foreach (var project in projects)
        {
            var environment = new Dictionary<string, string>();
            foreach (var (name, value) in project.Environment)
            {
                environment[name] = SecretPlaceholders.Render(value);
            }

            environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = $"http://{DashboardService}:{DashboardOtlpGrpcPort}";
            environment["OTEL_EXPORTER_OTLP_PROTOCOL"] = "grpc";
            environment["OTEL_SERVICE_NAME"] = project.Name;

            var service = new Dictionary<string, object>
            {
                ["image"] = $"${{{project.Image.ToUpperInvariant().Replace('-', '_')}_IMAGE:-{project.Image}:latest}}",
                ["environment"] = environment,
            };
            if (project.Args.Count > 0)
            {
                service["command"] = project.Args;
            }

            if (project.Endpoints.Count > 0)
            {
                service["expose"] = project.Endpoints.Select(e => e.TargetPort.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
            }

            if (project.Http is { } http)
            {
                // Reachable from the host for curl and browsers; peers use the compose network.
                service["ports"] = new[] { $"{hostPort++}:{http.TargetPort}" };
            }

            if (project.Data is { } data)
            {
                volumes[$"{project.Name}-data"] = new Dictionary<string, object>();
                service["volumes"] = new[] { $"{project.Name}-data:{data.MountPath}" };
            }

            if (project.HealthProbe is { } probe && project.Http is { } probed)
            {
                service["healthcheck"] = new Dictionary<string, object>
                {
                    // The .NET runtime images have no curl; the app probes itself (see the node's --probe).
                    ["test"] = new[] { "CMD", "dotnet", $"/app/{Path.GetFileNameWithoutExtension(project.Resource.Project.ProjectPath)}.dll", "--probe", $"http://localhost:{probed.TargetPort}{probe.Path}" },
                    ["interval"] = "5s",
                    ["timeout"] = "3s",
                    ["retries"] = 10,
                    ["start_period"] = "5s",
                };
            }

            var dependsOn = new Dictionary<string, object> { [DashboardService] = new Dictionary<string, string> { ["condition"] = "service_started" } };
            foreach (var wait in project.Waits)
            {
                dependsOn[wait.Dependency.Name] = new Dictionary<string, string>
                {
                    ["condition"] = wait.Type == WaitType.WaitForCompletion ? "service_completed_successfully" : "service_healthy",
                };
            }

            service["depends_on"] = dependsOn;
            service["restart"] = project.HealthProbe is null ? "no" : "unless-stopped";
            services[project.Name] = service;
        }

        var compose = new Dictionary<string, object> { ["services"] = services };
        if (volumes.Count > 0)
        {
            compose["volumes"] = volumes;
        }

        Directory.CreateDirectory(outputDirectory);
        var yaml = new SerializerBuilder().WithQuotingNecessaryStrings().Build().Serialize(compose);
        await File.WriteAllTextAsync(Path.Combine(outputDirectory, "docker-compose.yaml"), yaml, cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(outputDirectory, ".env"), EnvironmentFile(resources), cancellationToken);
    }

    private static string EnvironmentFile(IReadOnlyList<IResource> resources)
    {
        var env = new StringBuilder();
        env.AppendLine("# Values for the ${...} placeholders in docker-compose.yaml. Fill in before `docker compose up`;");
        env.AppendLine("# keep this file out of version control once it holds secrets.");
        foreach (var parameter in resources.OfType<ParameterResource>())
        {
            env.AppendLine();
            env.AppendLine($"# Parameter '{parameter.Name}'{(parameter.Secret ? " (secret)" : string.Empty)}. Generate with: {SecretPlaceholders.HowToGenerate(parameter)}");
            env.AppendLine($"{SecretPlaceholders.VariableName(parameter)}=");
        }

        foreach (var image in DeployedProject.From(resources).Select(p => p.Image).Distinct())
        {
            env.AppendLine();
            env.AppendLine($"# Image of {image}, built with: dotnet publish -t:PublishContainer (see README). Default: {image}:latest");
            env.AppendLine($"{image.ToUpperInvariant().Replace('-', '_')}_IMAGE=");
        }

        return env.ToString();
    }
}
