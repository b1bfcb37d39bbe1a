namespace PeerVault.Cli.Connection;

/// <summary>
/// Where the cluster is and the key to use, and where each came from (said in errors, so that a
/// wrong endpoint or key is easy to trace). Precedence: the options, then the environment
/// (<c>PEERVAULT_ENDPOINT</c>, <c>PEERVAULT_API_KEY</c>), then the connection file the AppHost
/// writes when it starts a local cluster.
/// </summary>
internal sealed record ConnectionSettings(IReadOnlyList<Uri> Endpoints, string? ApiKey, string EndpointSource, string ApiKeySource)
{
    public const string EndpointVariable = "PEERVAULT_ENDPOINT";
    public const string ApiKeyVariable = "PEERVAULT_API_KEY";
    public const string ConnectionFileVariable = "PEERVAULT_CONNECTION_FILE";

    public static ConnectionSettings Resolve(string? endpointOption, string? apiKeyOption, string? connectionFileOption)
    {
        var fileSource = connectionFileOption is { Length: > 0 } ? "--connection-file"
            : Environment.GetEnvironmentVariable(ConnectionFileVariable) is { Length: > 0 } ? ConnectionFileVariable
            : null;
        var filePath = fileSource switch
        {
            "--connection-file" => connectionFileOption,
            ConnectionFileVariable => Environment.GetEnvironmentVariable(ConnectionFileVariable),
            _ => null,
        };
        ConnectionFile? file = null;
        if (filePath is not null)
        {
            file = ConnectionFile.Read(Path.GetFullPath(filePath));
        }

        (string? Value, string Source) endpoint = endpointOption is { Length: > 0 } ? (endpointOption, "--endpoint")
            : Environment.GetEnvironmentVariable(EndpointVariable) is { Length: > 0 } fromEnvironment ? (fromEnvironment, EndpointVariable)
            : (null, string.Empty);
        (string? Value, string Source) apiKey = apiKeyOption is { Length: > 0 } ? (apiKeyOption, "--api-key")
            : Environment.GetEnvironmentVariable(ApiKeyVariable) is { Length: > 0 } keyFromEnvironment ? (keyFromEnvironment, ApiKeyVariable)
            : (null, string.Empty);

        // Only look for the AppHost's file when something is still missing, so that explicit
        // settings never depend on (or fail because of) a file left by an earlier run.
        if (file is null && (endpoint.Value is null || apiKey.Value is null) && ConnectionFile.FindNear(Directory.GetCurrentDirectory()) is { } found)
        {
            file = ConnectionFile.Read(found);
        }

        IReadOnlyList<Uri> endpoints = endpoint.Value is not null
            ? ParseEndpoints(endpoint.Value, endpoint.Source)
            : file?.Endpoints is { Count: > 0 } fileEndpoints ? fileEndpoints
            : throw new CliException(
                ExitCodes.BadUsage,
                $"No endpoint: pass --endpoint http://host:port (or a comma-separated list), set {EndpointVariable}, or start the local cluster (dotnet run --project PeerVault.AppHost) and run from the repository, which finds {ConnectionFile.RelativePath}.");
        var endpointSource = endpoint.Value is not null ? endpoint.Source : file!.Path;
        var key = apiKey.Value ?? file?.ApiKey;
        var keySource = apiKey.Value is not null ? apiKey.Source : key is not null ? file!.Path : "nowhere (no --api-key, no PEERVAULT_API_KEY)";
        return new ConnectionSettings(endpoints, key, endpointSource, keySource);
    }

    public static IReadOnlyList<Uri> ParseEndpoints(string value, string source)
    {
        var endpoints = new List<Uri>();
        foreach (var part in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Uri.TryCreate(part, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                throw new CliException(ExitCodes.BadUsage, $"{source}: '{part}' is not an http:// or https:// URL.");
            }

            endpoints.Add(uri);
        }

        return endpoints.Count > 0 ? endpoints : throw new CliException(ExitCodes.BadUsage, $"{source} names no endpoint.");
    }
}
