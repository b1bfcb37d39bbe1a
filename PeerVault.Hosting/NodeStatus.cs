using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting.ApplicationModel;

namespace PeerVault.Hosting;

/// <summary>
/// What a node says about the cluster on <c>GET /v1/cluster</c>, read by the AppHost for the
/// resource's health and its "Cluster status" command.
/// </summary>
internal sealed record NodeStatus(string Name, IReadOnlyList<(string Name, string State)> Peers, int UnderReplicated)
{
    public const string HttpClientName = "peervault-node-admin";

    public int Connected => Peers.Count(p => p.State == "connected");

    public static async Task<NodeStatus> ReadAsync(IHttpClientFactory clients, IResource resource, CancellationToken cancellationToken)
    {
        var endpoint = ((IResourceWithEndpoints)resource).GetEndpoint("http");
        using var http = clients.CreateClient(HttpClientName);
        var json = await http.GetFromJsonAsync<JsonElement>(new Uri($"{endpoint.Url}/v1/cluster"), cancellationToken);
        var node = json.GetProperty("node");
        var peers = json.GetProperty("peers").EnumerateArray()
            .Select(p => (p.GetProperty("name").GetString() ?? "?", p.GetProperty("state").GetString() ?? "?"))
            .ToList();
        return new NodeStatus(node.GetProperty("name").GetString() ?? resource.Name, peers, node.TryGetProperty("underReplicated", out var under) ? under.GetInt32() : 0);
    }

    /// <summary>One line for the dashboard's health column.</summary>
    public string Summary => $"{Connected} of {Peers.Count} peer(s) connected, {UnderReplicated} object(s) under-replicated";
}
