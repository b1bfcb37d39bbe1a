namespace Aspire.Hosting.ApplicationModel;

/// <summary>A network endpoint of a resource. Named after its scheme by convention (<c>http</c>, <c>tcp</c>).</summary>
public sealed class EndpointAnnotation(string name, string scheme, int? port, int? targetPort, string? environmentVariable) : IResourceAnnotation
{
    public string Name { get; } = name;

    public string UriScheme { get; } = scheme;

    /// <summary>Fixed host port, or null for one chosen at start.</summary>
    public int? Port { get; } = port;

    /// <summary>Port inside a container (publishing); the process port when run locally.</summary>
    public int? TargetPort { get; } = targetPort;

    /// <summary>Variable through which the process learns its port (e.g. <c>P2P_PORT</c>); null for HTTP endpoints, which use ASPNETCORE_URLS.</summary>
    public string? TargetPortEnvironmentVariable { get; } = environmentVariable;

    public string Transport => UriScheme is "http" or "https" ? "http" : "tcp";

    /// <summary>The port allocated for this run.</summary>
    public int? AllocatedPort { get; set; }
}

/// <summary>An environment variable whose value is resolved when the resource starts (and rendered as an expression when published).</summary>
public sealed class EnvironmentAnnotation(string name, object value) : IResourceAnnotation
{
    public string Name { get; } = name;

    /// <summary>A string, a <see cref="ParameterResource"/>, or an <see cref="EndpointReference"/>.</summary>
    public object Value { get; } = value;
}

/// <summary>Service discovery of another resource's endpoints (<c>WithReference</c>).</summary>
public sealed class ResourceReferenceAnnotation(IResourceWithEndpoints target) : IResourceAnnotation
{
    public IResourceWithEndpoints Target { get; } = target;
}

public enum WaitType
{
    /// <summary>Until the dependency is Running and, if it has health checks, Healthy.</summary>
    WaitUntilHealthy,

    /// <summary>Until the dependency exits with code 0.</summary>
    WaitForCompletion,
}

public sealed class WaitAnnotation(IResource dependency, WaitType type) : IResourceAnnotation
{
    public IResource Dependency { get; } = dependency;

    public WaitType Type { get; } = type;
}

/// <summary>An HTTP probe of one of the resource's endpoints.</summary>
public sealed class HealthProbeAnnotation(string path, string endpointName) : IResourceAnnotation
{
    public string Path { get; } = path;

    public string EndpointName { get; } = endpointName;
}

/// <summary>Command-line arguments for the process.</summary>
public sealed class CommandLineArgsAnnotation(IReadOnlyList<string> args) : IResourceAnnotation
{
    public IReadOnlyList<string> Args { get; } = args;
}

/// <summary>
/// A folder the resource keeps data in. Run locally it is a directory on this machine; published,
/// it becomes a persistent volume mounted at <see cref="MountPath"/>.
/// </summary>
public sealed class DataDirectoryAnnotation(string environmentVariable, string mountPath) : IResourceAnnotation
{
    public string EnvironmentVariable { get; } = environmentVariable;

    public string MountPath { get; } = mountPath;
}
