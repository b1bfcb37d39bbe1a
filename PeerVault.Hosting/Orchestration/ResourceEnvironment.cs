using System.Collections;
using System.Security.Cryptography;
using Aspire.Hosting.ApplicationModel;

namespace Aspire.Hosting.Orchestration;

/// <summary>
/// The environment a project process gets when run here, as Aspire's contracts describe: inherited
/// variables (minus the ones that would confuse a child), ASPNETCORE_URLS, OpenTelemetry settings,
/// and the <see cref="ProjectEnvironment"/> description resolved to this run's ports, parameter
/// values and data folders.
/// </summary>
internal static class ResourceEnvironment
{
    private static readonly HashSet<string> NotInherited = new(StringComparer.OrdinalIgnoreCase)
    {
        "ASPNETCORE_URLS", "DOTNET_LAUNCH_PROFILE", "ASPNETCORE_ENVIRONMENT", "DOTNET_ENVIRONMENT",
    };

    /// <summary>Builds the variables; <paramref name="secretNames"/> receives the names whose values are secret.</summary>
    public static Dictionary<string, string> Build(ProjectResource resource, OrchestratorOptions options, ISet<string> secretNames)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in System.Environment.GetEnvironmentVariables())
        {
            var name = (string)entry.Key;
            if (!NotInherited.Contains(name) && !name.StartsWith("services__", StringComparison.OrdinalIgnoreCase) && !name.StartsWith("OTEL_", StringComparison.Ordinal))
            {
                environment[name] = (string?)entry.Value ?? string.Empty;
            }
        }

        environment["ASPNETCORE_ENVIRONMENT"] = options.EnvironmentName;
        environment["DOTNET_ENVIRONMENT"] = options.EnvironmentName;
        environment["DOTNET_SYSTEM_CONSOLE_ALLOW_ANSI_COLOR_REDIRECTION"] = "true";
        environment["LOGGING__CONSOLE__FORMATTERNAME"] = "simple";

        var endpoints = resource.Annotations.OfType<EndpointAnnotation>().ToList();
        var httpUrls = endpoints.Where(e => e.Transport == "http" && e.TargetPortEnvironmentVariable is null).Select(e => $"{e.UriScheme}://localhost:{e.AllocatedPort}").ToList();
        if (httpUrls.Count > 0)
        {
            environment["ASPNETCORE_URLS"] = string.Join(';', httpUrls);
        }

        if (options.OtlpEndpoint is { } otlp)
        {
            environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = otlp;
            environment["OTEL_EXPORTER_OTLP_PROTOCOL"] = options.OtlpProtocol;
            environment["OTEL_SERVICE_NAME"] = resource.Name;
            environment["OTEL_RESOURCE_ATTRIBUTES"] = $"service.instance.id={resource.Name}-{RandomSuffix()}";
            environment["OTEL_BSP_SCHEDULE_DELAY"] = "1000";
            environment["OTEL_BLRP_SCHEDULE_DELAY"] = "1000";
            environment["OTEL_METRIC_EXPORT_INTERVAL"] = "1000";
            environment["OTEL_TRACES_SAMPLER"] = "always_on";
            if (options.OtlpApiKey is { } key)
            {
                environment["OTEL_EXPORTER_OTLP_HEADERS"] = $"x-otlp-api-key={key}";
                secretNames.Add("OTEL_EXPORTER_OTLP_HEADERS");
            }
        }

        foreach (var (name, value) in ProjectEnvironment.Describe(resource))
        {
            environment[name] = value switch
            {
                LiteralValue literal => literal.Text,
                ParameterValue parameter => parameter.Parameter.Value,
                EndpointValue { PortOnly: true } endpoint => endpoint.Endpoint.AllocatedPort!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture),
                EndpointValue endpoint => new EndpointReference(endpoint.Resource, endpoint.Endpoint.Name).Url,
                DataDirectoryValue data => Path.Combine(options.DataRoot, data.Resource.Name),
                _ => throw new InvalidOperationException($"Unsupported environment value {value} for {name}."),
            };
            if (value is ParameterValue { Parameter.Secret: true })
            {
                secretNames.Add(name);
            }
        }

        return environment;
    }

    /// <summary>What people may see: the variables this resource was given (not the inherited ones), secrets masked.</summary>
    public static IReadOnlyList<EnvironmentVariableSnapshot> Describe(IReadOnlyDictionary<string, string> environment, ISet<string> secretNames)
        => [.. environment
            .Where(e => !InheritedOnly(e.Key))
            .OrderBy(e => e.Key, StringComparer.Ordinal)
            .Select(e => secretNames.Contains(e.Key)
                ? new EnvironmentVariableSnapshot(e.Key, "••••••••", IsSecret: true)
                : new EnvironmentVariableSnapshot(e.Key, e.Value, IsSecret: false))];

    private static bool InheritedOnly(string name)
        => System.Environment.GetEnvironmentVariable(name) is not null
           && !NotInherited.Contains(name)
           && !name.StartsWith("OTEL_", StringComparison.Ordinal)
           && !name.StartsWith("services__", StringComparison.Ordinal);

    private static string RandomSuffix()
        => new([.. Enumerable.Range(0, 8).Select(_ => (char)('a' + RandomNumberGenerator.GetInt32(26)))]);
}
