using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace PeerVault.Hosting.Publishing.Compose;

/// <summary>
/// <c>--publisher docker-compose</c>: writes <c>docker-compose.yaml</c> (one service per compute
/// resource, a named volume per data directory, and the Aspire dashboard receiving every
/// service's OTLP) and the <c>.env</c> listing the values the operator supplies. The file is valid
/// for compose v1 and v2 alike.
/// </summary>
internal static class DockerComposeGenerator
{
    public const string ComposeFileName = "docker-compose.yaml";

    public static async Task<IReadOnlyList<string>> WriteAsync(DistributedApplicationModel model, DistributedApplicationExecutionContext executionContext, string outputDirectory, CancellationToken cancellationToken)
    {
        var application = await PublishedApplication.LoadAsync(model, executionContext, cancellationToken);
        var addressing = new ComposeAddressing(application);
        var withDashboard = application.Services.Any(s => s.SendsTelemetry);
        var hostPort = ComposeService.FirstHostPort;

        var services = new YamlMap();
        if (withDashboard)
        {
            services.Add(AspireDashboard.Name, Dashboard(addressing));
        }

        foreach (var service in application.Services)
        {
            services.Add(ComposeAddressing.ServiceName(service.Resource), await ComposeService.BuildAsync(service, application, addressing, () => hostPort++, withDashboard, cancellationToken));
        }

        var volumes = new YamlMap();
        foreach (var service in application.Services.Where(s => s.Data is not null))
        {
            volumes.Add(ComposeService.VolumeName(service), new YamlMap());
        }

        var compose = new YamlMap
        {
            { "services", services },
            { "volumes", application.Services.Any(s => s.Data is not null) ? volumes : null },
        };

        Directory.CreateDirectory(outputDirectory);
        var composePath = Path.Combine(outputDirectory, ComposeFileName);
        await File.WriteAllTextAsync(composePath, YamlText.Write(compose), cancellationToken);
        await DotEnvFile.WriteAsync(outputDirectory, addressing.Variables, cancellationToken);
        return [composePath, Path.Combine(outputDirectory, DotEnvFile.FileName)];
    }

    /// <summary>The standalone dashboard: UI behind a browser token from <c>.env</c>, OTLP open on the compose network only.</summary>
    private static YamlMap Dashboard(ComposeAddressing addressing) => new()
    {
        { "image", AspireDashboard.Image },
        {
            "environment", new YamlMap
            {
                { AspireDashboard.FrontendAuthModeVariable, "BrowserToken" },
                { AspireDashboard.BrowserTokenVariable, addressing.Require(AspireDashboard.BrowserToken) },
                { AspireDashboard.OtlpAuthModeVariable, "Unsecured" },
            }
        },
        { "ports", new[] { $"{AspireDashboard.UiPort}:{AspireDashboard.UiPort}" } },
        { "expose", new[] { $"{AspireDashboard.OtlpGrpcPort}" } },
        { "restart", "unless-stopped" },
    };
}
