using System.Text.Json;
using Aspire.Hosting.ApplicationModel;

namespace PeerVault.Hosting;

/// <summary>
/// Writes <c>cli.json</c> in the cluster's data root (by default <c>PeerVault.AppHost/.data/</c>)
/// once the nodes' ports are allocated: every node's API URL and the admin API key, readable by
/// the owner only. The <c>peervault</c> CLI finds it from anywhere in the repository, so it reaches
/// a cluster started with <c>dotnet run --project PeerVault.AppHost</c> with nothing copied by hand;
/// ports change on every run, so the file is rewritten on every start.
/// </summary>
internal sealed class CliConnectionFile(string path, IReadOnlyList<IResourceBuilder<ProjectResource>> nodes, ParameterResource apiKey)
{
    public const string FileName = "cli.json";

    public string Path { get; } = path;

    private readonly Lock _writing = new();

    /// <summary>Rewrites the file with every node whose endpoint is allocated so far (each node's allocation calls it).</summary>
    public async Task WriteAsync(CancellationToken cancellationToken)
    {
        var key = await apiKey.GetValueAsync(cancellationToken);
        lock (_writing)
        {
            var endpoints = nodes
                .Select(n => n.Resource.GetEndpoint("http"))
                .Where(e => e.IsAllocated)
                .Select(e => e.Url)
                .ToList();
            PrivateFile.Write(Path, stream =>
            {
                using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
                json.WriteStartObject();
                json.WriteStartArray("endpoints");
                foreach (var endpoint in endpoints)
                {
                    json.WriteStringValue(endpoint);
                }

                json.WriteEndArray();
                json.WriteString("apiKey", key);
                json.WriteEndObject();
            });
        }
    }
}
