using Aspire.Hosting.ApplicationModel;

namespace Aspire.Hosting.Publishing;

/// <summary>How parameters appear in compose and Kubernetes output: as <c>${NAME}</c>, filled in at deployment.</summary>
internal static class SecretPlaceholders
{
    /// <summary><c>cluster-key</c> → <c>CLUSTER_KEY</c>.</summary>
    public static string VariableName(ParameterResource parameter) => parameter.Name.ToUpperInvariant().Replace('-', '_');

    public static string Placeholder(ParameterResource parameter) => $"${{{VariableName(parameter)}}}";

    /// <summary>A shell command that makes a suitable value, for the comments beside each placeholder.</summary>
    public static string HowToGenerate(ParameterResource parameter) => parameter.Default switch
    {
        HexKeyParameterDefault hex => $"openssl rand -hex {hex.Bytes}",
        GenerateParameterDefault g => $"openssl rand -hex {Math.Max(16, (g.MinLength + 1) / 2)}",
        _ => "set a value",
    };

    /// <summary>A value as written into compose or Kubernetes YAML, where every resource is reachable by its name.</summary>
    public static string Render(EnvironmentValue value) => value switch
    {
        LiteralValue literal => literal.Text,
        ParameterValue parameter => Placeholder(parameter.Parameter),
        EndpointValue { PortOnly: true } endpoint => DeployedProject.TargetPort(endpoint.Endpoint).ToString(System.Globalization.CultureInfo.InvariantCulture),
        EndpointValue endpoint => $"{endpoint.Endpoint.UriScheme}://{endpoint.Resource.Name}:{DeployedProject.TargetPort(endpoint.Endpoint)}",
        DataDirectoryValue data => data.Data.MountPath,
        _ => throw new InvalidOperationException($"Unknown value {value}."),
    };
}
