using System.Collections;
using System.Security.Cryptography;
using Aspire.Hosting.ApplicationModel;

namespace Aspire.Hosting.Orchestration;

/// <summary>
/// The environment a project process gets, exactly as Aspire's contracts describe: inherited
/// variables (minus the ones that would confuse a child), ASPNETCORE_URLS and port variables for
/// its own endpoints, <c>services__{name}__{endpoint}__0</c> and <c>{NAME}_{ENDPOINT}</c> for each
/// reference, OpenTelemetry settings, and the values of <c>WithEnvironment</c>.
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

        foreach (var endpoint in endpoints.Where(e => e.TargetPortEnvironmentVariable is not null))
        {
            environment[endpoint.TargetPortEnvironmentVariable!] = endpoint.AllocatedPort!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        foreach (var target in resource.Annotations.OfType<ResourceReferenceAnnotation>().Select(r => r.Target))
        {
            foreach (var endpoint in target.Annotations.OfType<EndpointAnnotation>())
            {
                var url = new EndpointReference(target, endpoint.Name).Url;
                environment[$"services__{target.Name}__{endpoint.Name}__0"] = url;
                environment[$"{EnvironmentName(target.Name)}_{EnvironmentName(endpoint.Name)}"] = url;
            }
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

        foreach (var data in resource.Annotations.OfType<DataDirectoryAnnotation>())
        {
            environment[data.EnvironmentVariable] = Path.Combine(options.DataRoot, resource.Name);
        }

        foreach (var variable in resource.Annotations.OfType<EnvironmentAnnotation>())
        {
            environment[variable.Name] = variable.Value switch
            {
                string text => text,
                ParameterResource parameter => parameter.Value,
                EndpointReference endpoint => endpoint.Url,
                var other => throw new InvalidOperationException($"Unsupported environment value {other.GetType().Name} for {variable.Name}."),
            };
            if (variable.Value is ParameterResource { Secret: true })
            {
                secretNames.Add(variable.Name);
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

    private static string EnvironmentName(string name) => name.ToUpperInvariant().Replace('-', '_');

    private static string RandomSuffix()
        => new([.. Enumerable.Range(0, 8).Select(_ => (char)('a' + RandomNumberGenerator.GetInt32(26)))]);
}
