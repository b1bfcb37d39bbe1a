using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace PeerVault.Load.Chaos;

/// <summary>
/// The node API as the chaos clients use it: every request under its own deadline, every answer
/// turned into an <see cref="OpResult"/>: acknowledged, certainly failed (the connection was never
/// made, or a 4xx), or indeterminate (a 5xx, a timeout, a cut connection).
/// </summary>
internal sealed class ChaosApi : IDisposable
{
    public const string VersionHeader = "X-PeerVault-Version";
    private const int BufferSize = 64 << 10;
    private readonly HttpClient _http;
    private readonly string _runId;

    public ChaosApi(string apiKey, string runId)
    {
        _runId = runId;
        _http = new HttpClient(new SocketsHttpHandler
        {
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(20),
            ConnectTimeout = TimeSpan.FromSeconds(3),
        })
        {
            // Each request has its own deadline (a linked token); this only bounds a forgotten one.
            Timeout = TimeSpan.FromMinutes(10),
        };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
    }

    public Task<OpResult> PutAsync(Uri node, string key, WriteValue value, TimeSpan timeout, CancellationToken stop)
        => RunAsync(timeout, async token =>
        {
            using var body = new StreamContent(value.OpenRead(), BufferSize);
            body.Headers.ContentLength = value.Length;
            body.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            using var response = await _http.PutAsync(ObjectUri(node, key), body, token);
            return await WriteAnswerAsync(response, HttpStatusCode.Created, token);
        }, stop);

    public Task<OpResult> DeleteAsync(Uri node, string key, TimeSpan timeout, CancellationToken stop)
        => RunAsync(timeout, async token =>
        {
            using var response = await _http.DeleteAsync(ObjectUri(node, key), token);
            return response.StatusCode == HttpStatusCode.NotFound
                ? new OpResult(OpOutcome.Ok, 404)
                : await WriteAnswerAsync(response, HttpStatusCode.OK, token);
        }, stop);

    public Task<OpResult> GetAsync(Uri node, string key, TimeSpan timeout, CancellationToken stop)
        => RunAsync(timeout, async token =>
        {
            using var response = await _http.GetAsync(ObjectUri(node, key), HttpCompletionOption.ResponseHeadersRead, token);
            var status = (int)response.StatusCode;
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                return new OpResult(OpOutcome.Ok, status);
            }

            if (response.StatusCode != HttpStatusCode.OK)
            {
                return await ProblemAsync(response, token);
            }

            var version = response.Headers.TryGetValues(VersionHeader, out var values) ? values.FirstOrDefault() : null;
            await using var body = await response.Content.ReadAsStreamAsync(token);
            var identified = await ValueReader.ReadAsync(body, _runId, token);
            return new OpResult(OpOutcome.Ok, status, identified.Id, version, Invalid: identified.Invalid);
        }, stop);

    /// <summary>Every live key under <paramref name="prefix"/> with its version (all pages).</summary>
    public Task<OpResult> ListAsync(Uri node, string prefix, TimeSpan timeout, CancellationToken stop)
        => RunAsync(timeout, async token =>
        {
            var entries = new Dictionary<string, string>(StringComparer.Ordinal);
            string? after = null;
            do
            {
                var query = $"/v1/objects?prefix={Uri.EscapeDataString(prefix)}&limit=10000" + (after is null ? string.Empty : $"&after={Uri.EscapeDataString(after)}");
                using var response = await _http.GetAsync(new Uri(node, query), token);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    return await ProblemAsync(response, token);
                }

                using var document = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(token), cancellationToken: token);
                foreach (var entry in document.RootElement.GetProperty("objects").EnumerateArray())
                {
                    entries[entry.GetProperty("key").GetString()!] = entry.GetProperty("version").GetString()!;
                }

                after = document.RootElement.TryGetProperty("next", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
            }
            while (after is not null);
            return new OpResult(OpOutcome.Ok, 200, Entries: entries);
        }, stop);

    /// <summary>HEAD: the status and version only (convergence polling, not recorded).</summary>
    public async Task<string> HeadAsync(Uri node, string key, TimeSpan timeout, CancellationToken stop)
    {
        var result = await RunAsync(timeout, async token =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Head, ObjectUri(node, key));
            using var response = await _http.SendAsync(request, token);
            var version = response.Headers.TryGetValues(VersionHeader, out var values) ? values.FirstOrDefault() : null;
            return new OpResult(response.IsSuccessStatusCode ? OpOutcome.Ok : OpOutcome.Info, (int)response.StatusCode, Version: version);
        }, stop);
        return result switch
        {
            { Status: 200, Version: { } version } => version,
            { Status: 404 } => "absent",
            _ => $"no answer ({result.Status?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? result.Error})",
        };
    }

    /// <summary>Whether <c>/health</c> says ready (200).</summary>
    public async Task<bool> ReadyAsync(Uri node, TimeSpan timeout, CancellationToken stop)
    {
        var result = await RunAsync(timeout, async token =>
        {
            using var response = await _http.GetAsync(new Uri(node, "/health"), token);
            return new OpResult(response.IsSuccessStatusCode ? OpOutcome.Ok : OpOutcome.Info, (int)response.StatusCode);
        }, stop);
        return result.Outcome == OpOutcome.Ok;
    }

    /// <summary><c>GET /v1/cluster</c>, or null if the node does not answer it in time.</summary>
    public async Task<JsonElement?> DescribeAsync(Uri node, TimeSpan timeout, CancellationToken stop)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stop);
        deadline.CancelAfter(timeout);
        try
        {
            using var response = await _http.GetAsync(new Uri(node, "/v1/cluster"), deadline.Token);
            return response.IsSuccessStatusCode ? JsonDocument.Parse(await response.Content.ReadAsStringAsync(deadline.Token)).RootElement.Clone() : null;
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or JsonException || (ex is OperationCanceledException && !stop.IsCancellationRequested))
        {
            return null;
        }
    }

    /// <summary><c>DELETE /v1/cluster/members/{id}</c> through <paramref name="node"/>: the status, or null if it did not answer.</summary>
    public async Task<int?> RemoveMemberAsync(Uri node, string id, TimeSpan timeout, CancellationToken stop)
    {
        var result = await RunAsync(timeout, async token =>
        {
            using var response = await _http.DeleteAsync(new Uri(node, $"/v1/cluster/members/{id}"), token);
            return new OpResult(response.IsSuccessStatusCode ? OpOutcome.Ok : OpOutcome.Fail, (int)response.StatusCode);
        }, stop);
        return result.Status;
    }

    public void Dispose() => _http.Dispose();

    private static async Task<OpResult> RunAsync(TimeSpan timeout, Func<CancellationToken, Task<OpResult>> request, CancellationToken stop)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stop);
        deadline.CancelAfter(timeout);
        try
        {
            return await request(deadline.Token);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return new OpResult(OpOutcome.Pending, Error: "the run stopped first");
        }
        catch (OperationCanceledException)
        {
            return new OpResult(OpOutcome.Info, Error: $"timeout after {timeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException ex) when (ex.HttpRequestError == HttpRequestError.ConnectionError)
        {
            // Indeterminate all the same: SocketsHttpHandler first sends on a pooled connection and,
            // when that one dies before any answer, retries on a new one, so a refused connection may
            // follow a request the node received and carried out before it was killed (seed 23 of the
            // first campaign: a DELETE taken, its node SIGKILLed, the retry refused, recorded as failed).
            return new OpResult(OpOutcome.Info, Error: $"connect: {ex.Message}");
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            return new OpResult(OpOutcome.Info, Error: $"cut: {ex.Message}");
        }
    }

    /// <summary>A write's answer: the expected status with <c>{version, placement}</c>, or a problem.</summary>
    private static async Task<OpResult> WriteAnswerAsync(HttpResponseMessage response, HttpStatusCode success, CancellationToken cancellationToken)
    {
        if (response.StatusCode != success)
        {
            return await ProblemAsync(response, cancellationToken);
        }

        using var document = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
        var root = document.RootElement;
        return new OpResult(
            OpOutcome.Ok,
            (int)response.StatusCode,
            Version: root.TryGetProperty("version", out var version) ? version.GetString() : null,
            Placement: root.TryGetProperty("placement", out var placement) ? [.. placement.EnumerateArray().Select(p => p.GetString()!)] : null);
    }

    /// <summary>
    /// Any other answer: a 4xx certainly did nothing, a 5xx is indeterminate. The problem's type,
    /// failures and (for a write below quorum) version are kept.
    /// </summary>
    private static async Task<OpResult> ProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        var outcome = status is >= 400 and < 500 ? OpOutcome.Fail : OpOutcome.Info;
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        string? version = null;
        var error = text.Length > 300 ? text[..300] : text;
        try
        {
            using var document = JsonDocument.Parse(text);
            var root = document.RootElement;
            var type = root.TryGetProperty("type", out var t) ? t.GetString()?.Split('/')[^1] : null;
            var failures = root.TryGetProperty("failures", out var f) && f.ValueKind == JsonValueKind.Array ? string.Join("; ", f.EnumerateArray().Select(x => x.GetString())) : null;
            var detail = root.TryGetProperty("detail", out var d) ? d.GetString() : null;
            version = root.TryGetProperty("version", out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            error = $"{type}: {failures ?? detail}";
        }
        catch (JsonException)
        {
            // Not a problem document: keep the text.
        }

        return new OpResult(outcome, status, Version: version, Error: error);
    }

    private static Uri ObjectUri(Uri node, string key) => new(node, "/v1/objects/" + Uri.EscapeDataString(key));
}
