using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting.ApplicationModel;

namespace PeerVault.Hosting;

/// <summary>
/// What a node says about the cluster on <c>GET /v1/cluster</c>, read by the AppHost for the
/// resource's health and its "Cluster status" command. <see cref="ClockWarnings"/> names the peers
/// whose clock the node measured further off its own than its warning threshold.
/// </summary>
internal sealed record NodeStatus(string Name, IReadOnlyList<(string Name, string State, double? ClockOffsetSeconds)> Peers, int UnderReplicated, int RepairBacklog, IReadOnlyList<string> ClockWarnings)
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
        var warning = node.TryGetProperty("clockOffsetWarnSeconds", out var warn) ? warn.GetDouble() : double.PositiveInfinity;
        var peers = new List<(string, string, double?)>();
        var clockWarnings = new List<string>();
        foreach (var member in json.GetProperty("members").EnumerateArray())
        {
            if (member.GetProperty("self").GetBoolean() || member.GetProperty("state").GetString() == "removed")
            {
                continue;
            }

            var name = member.GetProperty("name").GetString() ?? "?";
            double? offset = member.TryGetProperty("clockOffsetSeconds", out var o) ? o.GetDouble() : null;
            var uncertainty = member.TryGetProperty("clockOffsetUncertaintySeconds", out var u) ? u.GetDouble() : 0;
            peers.Add((name, member.GetProperty("state").GetString() ?? "?", offset));
            if (offset is { } seconds && Math.Abs(seconds) - uncertainty > warning)
            {
                clockWarnings.Add($"{name}'s clock is {seconds.ToString("+0.0;-0.0", CultureInfo.InvariantCulture)} s off");
            }
        }

        var replication = json.GetProperty("replication");
        return new NodeStatus(node.GetProperty("name").GetString() ?? resource.Name, peers, replication.GetProperty("underReplicated").GetInt32(), replication.GetProperty("repairBacklog").GetInt32(), clockWarnings);
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
    public string Summary => $"{Connected} of {Peers.Count} peer(s) connected, {UnderReplicated} object(s) under-replicated, {RepairBacklog} waiting for repair"
        + (ClockWarnings.Count > 0 ? $"; {string.Join(", ", ClockWarnings)}" : string.Empty);
}
