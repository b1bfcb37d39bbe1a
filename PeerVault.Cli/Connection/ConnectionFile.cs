using System.Text.Json;
using System.Text.Json.Serialization;

namespace PeerVault.Cli.Connection;

/// <summary>
/// The file a local cluster's AppHost writes once its nodes have ports
/// (<c>PeerVault.AppHost/.data/cli.json</c>, readable by its owner only): every node's API URL and
/// the admin API key, so that <c>peervault</c> run in the repository reaches the cluster with
/// nothing copied by hand. Ports change on every run, so the file is rewritten on every start.
/// </summary>
internal sealed record ConnectionFile(string Path, IReadOnlyList<Uri> Endpoints, string? ApiKey)
{
    public static readonly string RelativePath = System.IO.Path.Combine("PeerVault.AppHost", ".data", "cli.json");

    /// <summary>The connection file of the repository <paramref name="directory"/> is in, if any.</summary>
    public static string? FindNear(string directory)
    {
        for (var current = new DirectoryInfo(directory); current is not null; current = current.Parent)
        {
            var candidate = System.IO.Path.Combine(current.FullName, RelativePath);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    public static ConnectionFile Read(string path)
    {
        ConnectionFileContent? content;
        try
        {
            using var stream = File.OpenRead(path);
            content = JsonSerializer.Deserialize(stream, ConnectionFileJsonContext.Default.ConnectionFileContent);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            throw new CliException(ExitCodes.BadUsage, $"Cannot read the connection file {path}: {ex.Message}");
        }

        var endpoints = (content?.Endpoints ?? [])
            .Select(e => Uri.TryCreate(e, UriKind.Absolute, out var uri) ? uri : throw new CliException(ExitCodes.BadUsage, $"The connection file {path} names '{e}', which is not a URL."))
            .ToList();
        return new ConnectionFile(path, endpoints, content?.ApiKey);
    }
}

internal sealed record ConnectionFileContent(IReadOnlyList<string>? Endpoints, string? ApiKey);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ConnectionFileContent))]
internal sealed partial class ConnectionFileJsonContext : JsonSerializerContext;
