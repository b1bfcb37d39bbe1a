using System.Globalization;
using Aspire.Hosting.ApplicationModel;

namespace PeerVault.Hosting.Publishing.Compose;

/// <summary>One resource as a compose service: image, environment, ports, volume, health check, start order, restart policy.</summary>
internal static class ComposeService
{
    /// <summary>The first host port a service's HTTP endpoint is published on; each next endpoint takes the next port.</summary>
    public const int FirstHostPort = 8081;

    /// <summary>Named volumes a service's data directory lives in, <c>{service}-data</c>.</summary>
    public static string VolumeName(PublishedService service) => $"{ComposeAddressing.ServiceName(service.Resource)}-data";

    public static async Task<YamlMap> BuildAsync(PublishedService service, PublishedApplication application, ComposeAddressing addressing, Func<int> nextHostPort, bool withDashboard, CancellationToken cancellationToken)
    {
        var environment = new YamlMap();
        foreach (var (name, value) in service.Environment)
        {
            environment.Add(name, await ValueRenderer.RenderAsync(value, addressing, cancellationToken));
        }

        if (withDashboard && service.SendsTelemetry)
        {
            foreach (var (name, value) in AspireDashboard.OtlpEnvironment(service.Name))
            {
                environment.Add(name, value);
            }
        }

        var arguments = new List<string>();
        foreach (var argument in service.Arguments)
        {
            arguments.Add(await ValueRenderer.RenderAsync(argument, addressing, cancellationToken));
        }

        return new YamlMap
        {
            { "image", service.Image.Reference },
            { "command", arguments.Count > 0 ? arguments : null },
            { "environment", environment },
            { "expose", service.Endpoints.Count > 0 ? service.Endpoints.Select(e => Port(e.TargetPort)).Distinct().ToList() : null },
            { "ports", HostPorts(service, nextHostPort) },
            { "volumes", service.Data is { } data ? new[] { $"{VolumeName(service)}:{data.MountPath}" } : null },
            { "healthcheck", HealthCheck(service) },
            { "depends_on", DependsOn(service, application) },

            // Quoted: compose v1 reads a plain `no` as the boolean false and rejects the file.
            { "restart", service.RunsToCompletion ? "no" : "unless-stopped" },
        };
    }

    /// <summary>
    /// Each HTTP endpoint on its own host port, on the loopback interface only: PeerVault's node API
    /// has no authentication of its own, and the peer protocol needs no host port at all.
    /// </summary>
    private static List<string>? HostPorts(PublishedService service, Func<int> nextHostPort)
    {
        var ports = service.Endpoints.Where(e => e.IsHttp).Select(e => $"127.0.0.1:{Port(nextHostPort())}:{Port(e.TargetPort)}").ToList();
        return ports.Count > 0 ? ports : null;
    }

    /// <summary>The container probes itself over loopback (the .NET images have no curl); <c>service_healthy</c> waits on it.</summary>
    private static YamlMap? HealthCheck(PublishedService service)
        => service.Health is { } health && service.ProbeCommand("localhost", health.ReadinessPath) is { } probe
            ? new YamlMap
            {
                { "test", probe.Prepend("CMD").ToList() },
                { "interval", "10s" },
                { "timeout", "5s" },
                { "retries", 6 },
                { "start_period", "15s" },
            }
            : null;

    /// <summary>WaitFor as compose's start order: healthy where the dependency has a health check, started where it has none, completed for WaitForCompletion.</summary>
    private static YamlMap? DependsOn(PublishedService service, PublishedApplication application)
    {
        var dependsOn = new YamlMap();
        foreach (var wait in service.Waits)
        {
            var dependency = application[wait.Resource];
            var condition = wait.WaitType switch
            {
                WaitType.WaitForCompletion => "service_completed_successfully",
                _ when dependency.Health is not null => "service_healthy",
                _ => "service_started",
            };
            dependsOn.Add(ComposeAddressing.ServiceName(dependency.Resource), new YamlMap { { "condition", condition } });
        }

        return service.Waits.Count > 0 ? dependsOn : null;
    }

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);
}
