using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PeerVault.Client.Diagnostics;
using PeerVault.Client.Transport;
using PeerVault.Contracts;

namespace PeerVault.Client;

/// <summary>
/// A client of PeerVault's HTTP API. Bodies are streamed both ways, never buffered. A request goes
/// to one of the configured endpoints (first the one that last answered); when that endpoint
/// cannot be reached or does not answer in time, the next is tried, for every request that can be
/// sent again: those without a body, and uploads whose body is seekable or was not read yet. A
/// request a node refuses without doing anything another node could do (503 <c>storage-unavailable</c>:
/// its own disk; 503 <c>joining</c>: it has not heard from its cluster yet) also moves on. Errors the cluster answered with are typed exceptions
/// (<see cref="PeerVaultNotFoundException"/>, <see cref="PeerVaultUnavailableException"/>, …).
/// Every operation is a span of <see cref="ActivitySourceName"/>, and the trace continues into the
/// nodes. Thread-safe; keep one per application (Aspire's <c>AddPeerVaultClient</c> registers one).
/// </summary>
public sealed class PeerVaultClient : IDisposable
{
    /// <summary>The name of the client's <see cref="ActivitySource"/> and <see cref="System.Diagnostics.Metrics.Meter"/>.</summary>
    public const string ActivitySourceName = ClientTelemetry.SourceName;

    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly ILogger _logger;
    private readonly Uri[] _endpoints;
    private readonly TimeSpan _responseTimeout;
    private int _preferred;

    /// <summary>A client of the endpoints in <paramref name="options"/>, with its own connection pool.</summary>
    public PeerVaultClient(PeerVaultClientOptions options, ILoggerFactory? loggerFactory = null)
        : this(options, CreateHandler(options), disposeHandler: true, loggerFactory)
    {
    }

    /// <summary>A client that sends through <paramref name="handler"/> (a test's, or one with a proxy or certificates of its own).</summary>
    public PeerVaultClient(PeerVaultClientOptions options, HttpMessageHandler handler, bool disposeHandler, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(handler);
        options.Validate();
        _endpoints = [.. options.Endpoints];
        _responseTimeout = options.ResponseTimeout;
        _logger = loggerFactory?.CreateLogger<PeerVaultClient>() ?? NullLogger<PeerVaultClient>.Instance;
        _ownsHttp = true;
        // Objects may be large and slow: no overall deadline; the response timeout is per attempt.
        _http = new HttpClient(handler, disposeHandler) { Timeout = Timeout.InfiniteTimeSpan };
        if (options.UserAgent is { Length: > 0 } agent)
        {
            _http.DefaultRequestHeaders.UserAgent.ParseAdd(agent);
        }

        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("PeerVault.Client", typeof(PeerVaultClient).Assembly.GetName().Version?.ToString(3) ?? "0"));
        if (options.ApiKey is { Length: > 0 } key)
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
    }

    private PeerVaultClient(PeerVaultClient shared, Uri endpoint)
    {
        _http = shared._http;
        _logger = shared._logger;
        _responseTimeout = shared._responseTimeout;
        _endpoints = [endpoint];
    }

    /// <summary>The endpoints this client sends to, in the order they are tried.</summary>
    public IReadOnlyList<Uri> Endpoints => _endpoints;

    /// <summary>How long a request without a body waits for an answer before the next endpoint is tried.</summary>
    public TimeSpan ResponseTimeout => _responseTimeout;

    /// <summary>
    /// A client for this one endpoint only (no failover), sharing this client's connections: to
    /// read through a particular node, or check each one. Disposing it releases nothing.
    /// </summary>
    public PeerVaultClient ForEndpoint(Uri endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return new PeerVaultClient(this, endpoint);
    }

    /// <summary>
    /// Stores <paramref name="content"/> under <paramref name="key"/>, streamed from where the stream
    /// is to its end (or <paramref name="length"/> bytes; unknown lengths are sent chunked). Returns
    /// once a write quorum holds it durably, with the replicas and the version. Another endpoint is
    /// tried only if the stream is seekable or was not read yet.
    /// </summary>
    public Task<StoredObject> PutAsync(string key, Stream content, long? length = null, CancellationToken cancellationToken = default)
    {
        ValidateKey(key);
        ArgumentNullException.ThrowIfNull(content);
        var body = new RequestBody(content, length);
        return RunAsync("put", key, async activity =>
        {
            var (response, endpoint) = await SendAsync(activity, "put", e => new HttpRequestMessage(HttpMethod.Put, Combine(e, ObjectPath("/v1/objects/", key))), body, cancellationToken);
            using (response)
            {
                activity?.SetTag("peervault.bytes", body.BytesRead);
                return await ReadJsonAsync(response, endpoint, PeerVaultJsonContext.Default.StoredObject, cancellationToken);
            }
        });
    }

    /// <summary>Stores <paramref name="content"/> under <paramref name="key"/> (a replayable body: failover applies).</summary>
    public async Task<StoredObject> PutAsync(string key, byte[] content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        using var stream = new MemoryStream(content, writable: false);
        return await PutAsync(key, stream, content.Length, cancellationToken);
    }

    /// <summary>
    /// Reads an object (or <paramref name="range"/> of it): the newest version a quorum of its
    /// replicas holds, streamed and verified by the node. Dispose the result.
    /// </summary>
    public Task<PeerVaultObject> GetAsync(string key, ObjectRange? range = null, CancellationToken cancellationToken = default)
    {
        ValidateKey(key);
        return RunAsync("get", key, async activity =>
        {
            var (response, endpoint) = await SendAsync(
                activity,
                "get",
                e =>
                {
                    var request = new HttpRequestMessage(HttpMethod.Get, Combine(e, ObjectPath("/v1/objects/", key)));
                    request.Headers.Range = range?.ToHeader();
                    return request;
                },
                body: null,
                cancellationToken);
            try
            {
                var properties = ObjectProperties.From(key, response, endpoint);
                activity?.SetTag("peervault.bytes", properties.ContentLength);
                var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
                return new PeerVaultObject(properties, new ObjectContentStream(stream, key, response.Content.Headers.ContentLength, endpoint), response);
            }
            catch
            {
                response.Dispose();
                throw;
            }
        });
    }

    /// <summary>
    /// An object's size, id, version and who would serve it, without its bytes. With
    /// <paramref name="verify"/> the node first reads a copy whole and verifies it
    /// (<see cref="ObjectProperties.VerifiedBy"/>, <see cref="ObjectProperties.LocalCopy"/>).
    /// </summary>
    public Task<ObjectProperties> HeadAsync(string key, bool verify = false, CancellationToken cancellationToken = default)
    {
        ValidateKey(key);
        return RunAsync("head", key, async activity =>
        {
            var path = ObjectPath("/v1/objects/", key) + (verify ? "?verify=true" : string.Empty);
            var (response, endpoint) = await SendAsync(activity, "head", e => new HttpRequestMessage(HttpMethod.Head, Combine(e, path)), body: null, cancellationToken);
            using (response)
            {
                return ObjectProperties.From(key, response, endpoint);
            }
        });
    }

    /// <summary>Deletes an object (a tombstone on its replicas). <see cref="PeerVaultNotFoundException"/> if it did not exist.</summary>
    public Task<DeletedObject> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        ValidateKey(key);
        return RunAsync("delete", key, async activity =>
        {
            var (response, endpoint) = await SendAsync(activity, "delete", e => new HttpRequestMessage(HttpMethod.Delete, Combine(e, ObjectPath("/v1/objects/", key))), body: null, cancellationToken);
            using (response)
            {
                return await ReadJsonAsync(response, endpoint, PeerVaultJsonContext.Default.DeletedObject, cancellationToken);
            }
        });
    }

    /// <summary>
    /// One page of the live keys under <paramref name="prefix"/> after <paramref name="after"/>, in
    /// key order (UTF-8 byte order), at most <paramref name="limit"/> (1 to 10,000; the node's default 1,000).
    /// </summary>
    public Task<ObjectListing> ListPageAsync(string? prefix = null, string? after = null, int? limit = null, CancellationToken cancellationToken = default)
    {
        var query = new StringBuilder("/v1/objects");
        var separator = '?';
        void Add(string name, string? value)
        {
            if (value is not null)
            {
                query.Append(separator).Append(name).Append('=').Append(Uri.EscapeDataString(value));
                separator = '&';
            }
        }

        Add("prefix", prefix);
        Add("after", after);
        Add("limit", limit?.ToString(CultureInfo.InvariantCulture));
        var pathAndQuery = query.ToString();
        return RunAsync("list", key: null, activity => GetJsonAsync(activity, "list", pathAndQuery, PeerVaultJsonContext.Default.ObjectListing, cancellationToken));
    }

    /// <summary>Every page of the live keys under <paramref name="prefix"/>, following <c>next</c> until the listing ends.</summary>
    public async IAsyncEnumerable<ObjectListing> ListPagesAsync(string? prefix = null, string? after = null, int? pageSize = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var next = after;
        do
        {
            var page = await ListPageAsync(prefix, next, pageSize, cancellationToken);
            yield return page;
            next = page.Next;
        }
        while (next is not null);
    }

    /// <summary>Every live object under <paramref name="prefix"/>, in key order, fetched a page at a time.</summary>
    public async IAsyncEnumerable<ObjectSummary> ListAsync(string? prefix = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var page in ListPagesAsync(prefix, cancellationToken: cancellationToken))
        {
            foreach (var summary in page.Objects)
            {
                yield return summary;
            }
        }
    }

    /// <summary>The key's partition and the nodes placed to hold it.</summary>
    public Task<KeyPlacement> GetPlacementAsync(string key, CancellationToken cancellationToken = default)
    {
        ValidateKey(key);
        return RunAsync("placement", key, activity => GetJsonAsync(activity, "placement", ObjectPath("/v1/placement/", key), PeerVaultJsonContext.Default.KeyPlacement, cancellationToken));
    }

    /// <summary>The answering node, every member as it sees them, and replication status (an admin key).</summary>
    public Task<ClusterDescription> GetClusterAsync(CancellationToken cancellationToken = default)
        => RunAsync("cluster", key: null, activity => GetJsonAsync(activity, "cluster", "/v1/cluster", PeerVaultJsonContext.Default.ClusterDescription, cancellationToken));

    /// <summary>Runs an anti-entropy pass on the answering node now (an admin key); it may take a while, so no response timeout applies.</summary>
    public Task<SyncResult> SyncAsync(CancellationToken cancellationToken = default)
        => RunAsync("sync", key: null, async activity =>
        {
            var (response, endpoint) = await SendAsync(activity, "sync", e => new HttpRequestMessage(HttpMethod.Post, Combine(e, "/v1/cluster/sync")), body: null, cancellationToken, deadline: false);
            using (response)
            {
                return await ReadJsonAsync(response, endpoint, PeerVaultJsonContext.Default.SyncResult, cancellationToken);
            }
        });

    /// <summary>Whether the first endpoint that answers is ready (<c>/health</c>, which needs no key), and its clock.</summary>
    public Task<NodeHealth> GetHealthAsync(CancellationToken cancellationToken = default)
        => RunAsync("health", key: null, async activity =>
        {
            var (response, endpoint) = await SendAsync(activity, "health", e => new HttpRequestMessage(HttpMethod.Get, Combine(e, "/health")), body: null, cancellationToken, accept: HttpStatusCode.ServiceUnavailable);
            using (response)
            {
                // The body is the health status alone ("Healthy", "Degraded", "Unhealthy").
                var status = response.IsSuccessStatusCode ? (await response.Content.ReadAsStringAsync(cancellationToken)).Trim() : null;
                return new NodeHealth(endpoint, response.IsSuccessStatusCode, response.Headers.Date, status == "Degraded");
            }
        });

    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    private static SocketsHttpHandler CreateHandler(PeerVaultClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new SocketsHttpHandler
        {
            ConnectTimeout = options.ConnectTimeout,
            // Nodes come and go (and their addresses with them): do not keep a connection for ever.
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            AutomaticDecompression = DecompressionMethods.None,
        };
    }

    private async Task<T> GetJsonAsync<T>(Activity? activity, string operation, string pathAndQuery, JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        var (response, endpoint) = await SendAsync(activity, operation, e => new HttpRequestMessage(HttpMethod.Get, Combine(e, pathAndQuery)), body: null, cancellationToken);
        using (response)
        {
            return await ReadJsonAsync(response, endpoint, type, cancellationToken);
        }
    }

    /// <summary>
    /// Sends the request to each endpoint in turn, starting with the one that answered last, until
    /// one answers; a success (or one of <paramref name="accept"/>) is returned, headers read and
    /// body not, anything else is thrown as the exception it means.
    /// </summary>
    private async Task<(HttpResponseMessage Response, Uri Endpoint)> SendAsync(
        Activity? activity,
        string operation,
        Func<Uri, HttpRequestMessage> build,
        RequestBody? body,
        CancellationToken cancellationToken,
        bool deadline = true,
        params HttpStatusCode[] accept)
    {
        var failures = new List<EndpointFailure>();
        Exception? lastTransportError = null;
        PeerVaultException? refused = null;
        var start = Volatile.Read(ref _preferred) % _endpoints.Length;
        for (var attempt = 0; attempt < _endpoints.Length; attempt++)
        {
            var index = (start + attempt) % _endpoints.Length;
            var endpoint = _endpoints[index];
            if (attempt > 0)
            {
                ClientTelemetry.Failovers.Add(1, new KeyValuePair<string, object?>("peervault.operation", operation));
                activity?.AddEvent(new ActivityEvent("failover", tags: new ActivityTagsCollection { ["server.address"] = endpoint.Host, ["server.port"] = endpoint.Port }));
            }

            using var request = build(endpoint);
            request.Content = body?.CreateContent();
            // Only a request without a body has a deadline for its answer: an upload takes as long
            // as its body does, and the caller's token cancels it.
            using var timeout = deadline && body is null ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken) : null;
            timeout?.CancelAfter(_responseTimeout);
            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout?.Token ?? cancellationToken);
            }
            catch (Exception ex) when (IsTransportFailure(ex, cancellationToken))
            {
                var reason = ex is OperationCanceledException ? $"no answer within {_responseTimeout.TotalSeconds:0.#} s" : ObjectContentStream.Innermost(ex);
                failures.Add(new EndpointFailure(endpoint, reason));
                lastTransportError = ex;
                if (!MayTryNext(operation, endpoint, reason, attempt, body))
                {
                    break;
                }

                continue;
            }

            if (response.IsSuccessStatusCode || accept.Contains(response.StatusCode))
            {
                Volatile.Write(ref _preferred, index);
                activity?.SetTag("server.address", endpoint.Host);
                activity?.SetTag("server.port", endpoint.Port);
                activity?.SetTag("http.response.status_code", (int)response.StatusCode);
                return (response, endpoint);
            }

            PeerVaultException error;
            using (response)
            {
                error = await ProblemReader.ToExceptionAsync(response, endpoint, cancellationToken);
            }

            activity?.SetTag("http.response.status_code", error.Status);
            // The node's own disk refuses writes, or it has not joined its cluster yet; the cluster
            // can still do it: another coordinator can take it.
            if (error is PeerVaultUnavailableException { AnotherNodeMayServe: true })
            {
                failures.Add(new EndpointFailure(endpoint, error.Message));
                refused = error;
                if (MayTryNext(operation, endpoint, error.Message, attempt, body))
                {
                    continue;
                }
            }

            throw error;
        }

        throw refused ?? new PeerVaultUnreachableException(failures, lastTransportError);
    }

    private bool MayTryNext(string operation, Uri endpoint, string reason, int attempt, RequestBody? body)
    {
        if (attempt + 1 >= _endpoints.Length)
        {
            return false;
        }

        if (body is { CanReplay: false })
        {
            ClientLog.CannotReplay(_logger, operation, endpoint.GetLeftPart(UriPartial.Authority), reason);
            return false;
        }

        ClientLog.FailingOver(_logger, operation, endpoint.GetLeftPart(UriPartial.Authority), reason, _endpoints[(Array.IndexOf(_endpoints, endpoint) + 1) % _endpoints.Length].GetLeftPart(UriPartial.Authority));
        return true;
    }

    /// <summary>A failure to reach a node or to hear from it in time, as opposed to an answer or the caller cancelling.</summary>
    private static bool IsTransportFailure(Exception ex, CancellationToken cancellationToken) => ex switch
    {
        HttpRequestException { StatusCode: null } => true,
        OperationCanceledException => !cancellationToken.IsCancellationRequested,
        _ => false,
    };

    private static async Task<T> ReadJsonAsync<T>(HttpResponseMessage response, Uri endpoint, JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        try
        {
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            return await JsonSerializer.DeserializeAsync(body, type, cancellationToken)
                ?? throw new PeerVaultException($"{endpoint.GetLeftPart(UriPartial.Authority)} answered an empty body.", (int)response.StatusCode, problem: null, endpoint);
        }
        catch (JsonException ex)
        {
            throw new PeerVaultException($"{endpoint.GetLeftPart(UriPartial.Authority)} answered something that is not PeerVault's JSON ({ex.Message}); is the endpoint a PeerVault node?", (int)response.StatusCode, problem: null, endpoint, ex);
        }
    }

    /// <summary>One span and one duration measurement per operation, whatever its attempts.</summary>
    private static async Task<T> RunAsync<T>(string operation, string? key, Func<Activity?, Task<T>> body)
    {
        var started = Stopwatch.GetTimestamp();
        using var activity = ClientTelemetry.Source.StartActivity($"peervault {operation}", ActivityKind.Internal);
        activity?.SetTag("peervault.operation", operation);
        if (key is not null)
        {
            activity?.SetTag("peervault.key", key);
        }

        string? errorType = null;
        try
        {
            return await body(activity);
        }
        catch (Exception ex)
        {
            errorType = ex is PeerVaultException { Status: { } status } ? status.ToString(CultureInfo.InvariantCulture) : ex.GetType().Name;
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            activity?.SetTag("error.type", errorType);
            throw;
        }
        finally
        {
            ClientTelemetry.Duration.Record(
                Stopwatch.GetElapsedTime(started).TotalSeconds,
                new KeyValuePair<string, object?>("peervault.operation", operation),
                new KeyValuePair<string, object?>("error.type", errorType));
        }
    }

    /// <summary>The path of an object's URL: each segment percent-encoded, slashes kept.</summary>
    internal static string ObjectPath(string prefix, string key)
        => prefix + string.Join('/', key.Split('/').Select(Uri.EscapeDataString));

    /// <summary>A path on the endpoint, which may itself have a path (behind a reverse proxy).</summary>
    internal static Uri Combine(Uri endpoint, string pathAndQuery) => new(endpoint, endpoint.AbsolutePath.TrimEnd('/') + pathAndQuery);

    private static void ValidateKey(string key) => ArgumentException.ThrowIfNullOrEmpty(key);
}
