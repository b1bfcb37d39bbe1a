using System.Net;
using System.Text.Json;

namespace PeerVault.Tests.Infrastructure;

/// <summary>A node's answer to GET or HEAD of one key, as a client sees it.</summary>
public sealed record ObjectAnswer(string Node, string Key, HttpStatusCode Status, byte[] Body, string? Version, string? ObjectId, string? ServedBy)
{
    public bool Found => Status == HttpStatusCode.OK;

    public override string ToString()
        => $"{Node} answered {(int)Status} for '{Key}' (version {Version ?? "none"}, object {ObjectId ?? "none"}, served by {ServedBy ?? "?"}, {Body.Length} bytes)";
}

/// <summary>A node's answer to PUT or DELETE of one key.</summary>
public sealed record WriteAnswer(string Node, string Key, HttpStatusCode Status, string? ContentType, string Text)
{
    public JsonElement Json => JsonDocument.Parse(Text).RootElement.Clone();

    public string? ObjectId => Property("objectId");

    public string? Version => Property("version");

    public IReadOnlyList<string> Replicas => Names("replicas");

    public IReadOnlyList<string> Placement => Names("placement");

    public override string ToString() => $"{Node} answered {(int)Status} ({ContentType}) for '{Key}': {Text}";

    private string? Property(string name)
    {
        try
        {
            return Json.TryGetProperty(name, out var value) ? value.ToString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private IReadOnlyList<string> Names(string name)
    {
        try
        {
            return Json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array
                ? [.. value.EnumerateArray().Select(v => v.GetString() ?? "?")]
                : [];
        }
        catch (JsonException)
        {
            return [];
        }
    }
}

/// <summary>A write the cluster acknowledged (201), with what a reader must get back.</summary>
public sealed record Written(string Key, byte[] Content, string ObjectId, string? Version, string Through);

/// <summary>How a test wants a node to see another member.</summary>
public enum Seen
{
    /// <summary>State "alive".</summary>
    Alive,

    /// <summary>Anything but alive: suspect, dead, removed, or not listed.</summary>
    Down,

    /// <summary>Out of placement: dead, removed, or not listed.</summary>
    Dead,
}

/// <summary>What one node says about the cluster (<c>GET /v1/cluster</c>): each other member's state (alive, suspect, dead, removed).</summary>
public sealed record ClusterView(string Node, IReadOnlyList<(string Name, string State)> Members)
{
    public static ClusterView Parse(string node, JsonElement json)
        => new(node, [.. json.GetProperty("members").EnumerateArray()
            .Where(m => !m.GetProperty("self").GetBoolean())
            .Select(m => (Text(m, "name"), Text(m, "state")))]);

    /// <summary>Some member of that name is alive (a wiped node rejoins under its name with a new id).</summary>
    public bool IsAlive(string name) => Members.Any(m => m.Name == name && m.State == "alive");

    /// <summary>No member of that name is alive or suspect.</summary>
    public bool IsDead(string name) => Members.All(m => m.Name != name || m.State is "dead" or "removed");

    public bool Sees(string name, Seen state) => state switch
    {
        Seen.Alive => IsAlive(name),
        Seen.Down => !IsAlive(name),
        _ => IsDead(name),
    };

    public override string ToString()
        => $"{Node} sees " + (Members.Count == 0 ? "no other member" : string.Join(", ", Members.Select(m => $"{m.Name}={m.State}")));

    private static string Text(JsonElement element, string name)
        => element.TryGetProperty(name, out var value) ? value.ToString() : "?";
}

/// <summary>The HTTP side of a node, as a client of the API uses it, with answers that say which node said what.</summary>
public static class ClusterProbe
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static string ObjectPath(string key) => $"/v1/objects/{Uri.EscapeDataString(key)}";

    public static async Task<ObjectAnswer> GetAsync(this HttpClient http, string node, string key, bool head = false)
    {
        using var request = new HttpRequestMessage(head ? HttpMethod.Head : HttpMethod.Get, ObjectPath(key));
        using var response = await http.SendAsync(request, Ct);
        var body = await response.Content.ReadAsByteArrayAsync(Ct);
        return new ObjectAnswer(
            node,
            key,
            response.StatusCode,
            body,
            Header(response, "X-PeerVault-Version"),
            response.Headers.ETag?.Tag.Trim('"'),
            Header(response, "X-PeerVault-Served-By"));
    }

    public static async Task<WriteAnswer> PutAsync(this HttpClient http, string node, string key, byte[] content, CancellationToken cancellationToken = default)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(Ct, cancellationToken);
        using var response = await http.PutAsync(ObjectPath(key), new ByteArrayContent(content), linked.Token);
        return await AnswerAsync(node, key, response);
    }

    public static async Task<WriteAnswer> DeleteAsync(this HttpClient http, string node, string key)
    {
        using var response = await http.DeleteAsync(ObjectPath(key), Ct);
        return await AnswerAsync(node, key, response);
    }

    /// <summary>PUT that must answer 201; returns what a reader must then get back.</summary>
    public static async Task<Written> StoreAsync(this HttpClient http, string node, string key, byte[] content)
    {
        var answer = await http.PutAsync(node, key, content);
        Assert.True(answer.Status == HttpStatusCode.Created, $"PUT '{key}' through {node} must be acknowledged: {answer}");
        Assert.True(answer.ObjectId is { Length: > 0 }, $"PUT '{key}' through {node} names no objectId: {answer}");
        return new Written(key, content, answer.ObjectId, answer.Version, node);
    }

    /// <summary>The nodes that should hold <paramref name="key"/>, as <paramref name="node"/> computes them (<c>GET /v1/placement/{key}</c>).</summary>
    public static async Task<IReadOnlyList<string>> PlacementAsync(this HttpClient http, string node, string key)
    {
        using var response = await http.GetAsync($"/v1/placement/{Uri.EscapeDataString(key)}", Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{node} tells where '{key}' is placed: {(int)response.StatusCode} {text}");
        var json = JsonDocument.Parse(text).RootElement;
        Assert.True(json.TryGetProperty("placement", out var placement) && placement.ValueKind == JsonValueKind.Array, $"{node}'s placement of '{key}' has no placement list: {text}");
        return [.. placement.EnumerateArray().Select(p => p.GetString() ?? "?")];
    }

    public static async Task<ClusterView> ViewAsync(this HttpClient http, string node)
    {
        using var response = await http.GetAsync("/v1/cluster", Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET /v1/cluster through {node}: {(int)response.StatusCode} {text}");
        return ClusterView.Parse(node, JsonDocument.Parse(text).RootElement);
    }

    private static async Task<WriteAnswer> AnswerAsync(string node, string key, HttpResponseMessage response)
        => new(node, key, response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync(Ct));

    private static string? Header(HttpResponseMessage response, string name)
        => response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values) ? string.Join(",", values) : null;
}
