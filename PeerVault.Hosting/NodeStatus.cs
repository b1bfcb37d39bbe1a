using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting.ApplicationModel;

namespace PeerVault.Hosting;

/// <summary>
/// What a node says about the cluster on <c>GET /v1/cluster</c>, read by the AppHost for the
/// resource's health and its "Cluster status" command.
/// </summary>
internal sealed record NodeStatus(string Name, IReadOnlyList<(string Name, string State)> Peers, int UnderReplicated, int RepairBacklog)
{
    public const string HttpClientName = "peervault-node-admin";

    /// <summary>Peers this node is connected to (members it sees as alive).</summary>
    public int Connected => Peers.Count(p => p.State == "alive");

    public static async Task<NodeStatus> ReadAsync(IHttpClientFactory clients, IResource resource, CancellationToken cancellationToken)
    {
        var endpoint = ((IResourceWithEndpoints)resource).GetEndpoint("http");
        using var http = await CreateClientAsync(clients, resource, cancellationToken);
        var json = await http.GetFromJsonAsync<JsonElement>(new Uri($"{endpoint.Url}/v1/cluster"), cancellationToken);
        var node = json.GetProperty("node");
        var peers = json.GetProperty("members").EnumerateArray()
            .Where(m => !m.GetProperty("self").GetBoolean() && m.GetProperty("state").GetString() != "removed")
            .Select(m => (m.GetProperty("name").GetString() ?? "?", m.GetProperty("state").GetString() ?? "?"))
            .ToList();
        var replication = json.GetProperty("replication");
        return new NodeStatus(node.GetProperty("name").GetString() ?? resource.Name, peers, replication.GetProperty("underReplicated").GetInt32(), replication.GetProperty("repairBacklog").GetInt32());
    }

    /// <summary>An HTTP client for the AppHost's own calls to a node, carrying the node's admin API key.</summary>
    public static async Task<HttpClient> CreateClientAsync(IHttpClientFactory clients, IResource resource, CancellationToken cancellationToken)
    {
        var http = clients.CreateClient(HttpClientName);
        if (resource.TryGetLastAnnotation<NodeApiKeyAnnotation>(out var key) && await key.Key.GetValueAsync(cancellationToken) is { Length: > 0 } value)
        {
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", value);
        }

        return http;
    }

    /// <summary>One line for the dashboard's health column.</summary>
    public string Summary => $"{Connected} of {Peers.Count} peer(s) connected, {UnderReplicated} object(s) under-replicated, {RepairBacklog} waiting for repair";
}
