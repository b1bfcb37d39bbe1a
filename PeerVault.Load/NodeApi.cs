using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;

namespace PeerVault.Load;

/// <summary>A node's HTTP API as the soak uses it, over one shared connection pool.</summary>
internal sealed class NodeApi : IDisposable
{
    private const int BufferSize = 64 << 10;
    private readonly HttpClient _http;

    public NodeApi(string apiKey)
    {
        _http = new HttpClient(new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30), ConnectTimeout = TimeSpan.FromSeconds(5) })
        {
            Timeout = TimeSpan.FromMinutes(2),
        };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
    }

    /// <summary>The status and, when it is not 201, the problem text.</summary>
    public async Task<(HttpStatusCode Status, string? Problem)> PutAsync(Uri node, string key, ContentPattern content, CancellationToken cancellationToken)
    {
        using var body = new StreamContent(content.OpenRead(), BufferSize);
        body.Headers.ContentLength = content.Length;
        body.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var response = await _http.PutAsync(ObjectUri(node, key), body, cancellationToken);
        return (response.StatusCode, response.StatusCode == HttpStatusCode.Created ? null : await ProblemAsync(response, cancellationToken));
    }

    /// <summary>The status and, for 200, the SHA-256 and length of the body (streamed through the hash, never held).</summary>
    public async Task<(HttpStatusCode Status, string? Sha256, long Length, string? Problem)> GetAsync(Uri node, string key, CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(ObjectUri(node, key), HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return (response.StatusCode, null, 0, response.StatusCode == HttpStatusCode.NotFound ? null : await ProblemAsync(response, cancellationToken));
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        long length = 0;
        try
        {
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            int read;
            while ((read = await body.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                length += read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return (response.StatusCode, Convert.ToHexStringLower(hash.GetHashAndReset()), length, null);
    }

    public async Task<(HttpStatusCode Status, string? Problem)> DeleteAsync(Uri node, string key, CancellationToken cancellationToken)
    {
        using var response = await _http.DeleteAsync(ObjectUri(node, key), cancellationToken);
        return (response.StatusCode, response.IsSuccessStatusCode ? null : await ProblemAsync(response, cancellationToken));
    }

    /// <summary><c>GET /v1/cluster</c>, or null if the node does not answer it.</summary>
    public async Task<JsonElement?> DescribeAsync(Uri node, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await _http.GetAsync(new Uri(node, "/v1/cluster"), cancellationToken);
            return response.IsSuccessStatusCode ? JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken)).RootElement.Clone() : null;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    /// <summary>Whether the node answers <c>/health</c> and sees every other member of <paramref name="members"/> alive.</summary>
    public async Task<bool> SeesAllAliveAsync(Uri node, int members, CancellationToken cancellationToken)
    {
        if (await DescribeAsync(node, cancellationToken) is not { } cluster)
        {
            return false;
        }

        return cluster.GetProperty("members").EnumerateArray().Count(m => m.GetProperty("state").GetString() == "alive") >= members;
    }

    public async Task<string> SyncAsync(Uri node, CancellationToken cancellationToken)
    {
        using var response = await _http.PostAsync(new Uri(node, "/v1/cluster/sync"), null, cancellationToken);
        return $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}";
    }

    /// <summary>Every live key under <paramref name="prefix"/> (all pages) → its object id.</summary>
    public async Task<Dictionary<string, string>> ListAsync(Uri node, string prefix, CancellationToken cancellationToken)
    {
        var keys = new Dictionary<string, string>(StringComparer.Ordinal);
        string? after = null;
        do
        {
            var query = $"/v1/objects?prefix={Uri.EscapeDataString(prefix)}&limit=10000" + (after is null ? string.Empty : $"&after={Uri.EscapeDataString(after)}");
            using var response = await _http.GetAsync(new Uri(node, query), cancellationToken);
            response.EnsureSuccessStatusCode();
            using var page = JsonDocument.Parse(await response.Content.ReadAsStreamAsync(cancellationToken));
            foreach (var entry in page.RootElement.GetProperty("objects").EnumerateArray())
            {
                keys[entry.GetProperty("key").GetString()!] = entry.GetProperty("objectId").GetString()!;
            }

            after = page.RootElement.TryGetProperty("next", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
        }
        while (after is not null);
        return keys;
    }

    public void Dispose() => _http.Dispose();

    private static Uri ObjectUri(Uri node, string key) => new(node, "/v1/objects/" + Uri.EscapeDataString(key));

    private static async Task<string> ProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        return text.Length > 400 ? text[..400] + "…" : text;
    }
}
