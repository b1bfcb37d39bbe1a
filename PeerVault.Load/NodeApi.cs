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

    /// <param name="apiKey">The admin key every request carries.</param>
    /// <param name="timeout">Per request, whole body included (2 min; the bench's gigabyte objects need longer).</param>
    public NodeApi(string apiKey, TimeSpan? timeout = null)
    {
        _http = new HttpClient(new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30), ConnectTimeout = TimeSpan.FromSeconds(5) })
        {
            Timeout = timeout ?? TimeSpan.FromMinutes(2),
        };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
    }

    /// <summary>The status and, when it is not 201, the problem text.</summary>
    public Task<(HttpStatusCode Status, string? Problem)> PutAsync(Uri node, string key, ContentPattern content, CancellationToken cancellationToken)
        => PutAsync(node, key, content.OpenRead(), content.Length, cancellationToken);

    /// <summary>PUT of a body read from <paramref name="source"/> (streamed, never buffered): the status and, when it is not 201, the problem text.</summary>
    public async Task<(HttpStatusCode Status, string? Problem)> PutAsync(Uri node, string key, Stream source, long length, CancellationToken cancellationToken)
    {
        using var body = new StreamContent(source, BufferSize);
        body.Headers.ContentLength = length;
        body.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var response = await _http.PutAsync(ObjectUri(node, key), body, cancellationToken);
        return (response.StatusCode, response.StatusCode == HttpStatusCode.Created ? null : await ProblemAsync(response, cancellationToken));
    }

    /// <summary>The status and, for 200, the SHA-256 and length of the body (streamed through the hash, never held).</summary>
    public async Task<(HttpStatusCode Status, string? Sha256, long Length, string? Problem)> GetAsync(Uri node, string key, CancellationToken cancellationToken)
    {
        var read = await ReadAsync(node, key, null, cancellationToken);
        return (read.Status, read.Sha256, read.Length, read.Problem);
    }

    /// <summary>
    /// GET with the body streamed through SHA-256 (never held), <paramref name="progress"/> told of
    /// every buffer read, and the node's <c>X-PeerVault-Served-By</c> (<c>local</c> or the replica it streamed from).
    /// </summary>
    public async Task<ReadOutcome> ReadAsync(Uri node, string key, Action<int>? progress, CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(ObjectUri(node, key), HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return new(response.StatusCode, null, 0, response.StatusCode == HttpStatusCode.NotFound ? null : await ProblemAsync(response, cancellationToken), null);
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
                progress?.Invoke(read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        var servedBy = response.Headers.TryGetValues("X-PeerVault-Served-By", out var values) ? values.FirstOrDefault() : null;
        return new(response.StatusCode, Convert.ToHexStringLower(hash.GetHashAndReset()), length, null, servedBy);
    }

    /// <summary><c>GET /v1/placement/{key}</c>: the names of the nodes placed to hold the key.</summary>
    public async Task<IReadOnlyList<string>> PlacementAsync(Uri node, string key, CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(new Uri(node, "/v1/placement/" + Uri.EscapeDataString(key)), cancellationToken);
        response.EnsureSuccessStatusCode();
        using var document = JsonDocument.Parse(await response.Content.ReadAsStreamAsync(cancellationToken));
        return [.. document.RootElement.GetProperty("placement").EnumerateArray().Select(n => n.GetString()!)];
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

    /// <summary>Polls until every endpoint sees every other alive, or the timeout passes.</summary>
    public async Task<bool> WaitUntilAllSeeAllAsync(IReadOnlyList<Uri> endpoints, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var all = true;
            foreach (var endpoint in endpoints)
            {
                all &= await SeesAllAliveAsync(endpoint, endpoints.Count, cancellationToken);
            }

            if (all)
            {
                return true;
            }

            await Task.Delay(250, cancellationToken);
        }

        return false;
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
        await ListPagesAsync(node, prefix, page => page.ForEach(e => keys[e.Key] = e.ObjectId), cancellationToken);
        return keys;
    }

    /// <summary>Every live key under <paramref name="prefix"/>, handed to <paramref name="page"/> one page (at most 10,000) at a time.</summary>
    public async Task ListPagesAsync(Uri node, string prefix, Action<List<(string Key, string ObjectId)>> page, CancellationToken cancellationToken)
    {
        string? after = null;
        do
        {
            var query = $"/v1/objects?prefix={Uri.EscapeDataString(prefix)}&limit=10000" + (after is null ? string.Empty : $"&after={Uri.EscapeDataString(after)}");
            using var response = await _http.GetAsync(new Uri(node, query), cancellationToken);
            response.EnsureSuccessStatusCode();
            using var document = JsonDocument.Parse(await response.Content.ReadAsStreamAsync(cancellationToken));
            page([.. document.RootElement.GetProperty("objects").EnumerateArray().Select(e => (e.GetProperty("key").GetString()!, e.GetProperty("objectId").GetString()!))]);
            after = document.RootElement.TryGetProperty("next", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
        }
        while (after is not null);
    }

    public void Dispose() => _http.Dispose();

    /// <summary>What a GET gave: for 200 the body's SHA-256 and length, else the problem text (null for 404).</summary>
    public sealed record ReadOutcome(HttpStatusCode Status, string? Sha256, long Length, string? Problem, string? ServedBy);

    private static Uri ObjectUri(Uri node, string key) => new(node, "/v1/objects/" + Uri.EscapeDataString(key));

    private static async Task<string> ProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        return text.Length > 400 ? text[..400] + "…" : text;
    }
}
