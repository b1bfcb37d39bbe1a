using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using PeerVault.Cli.Connection;

namespace PeerVault.Cli.Api;

/// <summary>
/// The HTTP API as the commands use it: every call carries the API key, a request without a body
/// tries the next endpoint when one cannot be reached, and any answer that is not a success
/// becomes a <see cref="CliException"/> with the exit code its status and problem type mean.
/// </summary>
internal sealed class PeerVaultClient : IDisposable
{
    private readonly HttpClient _http;

    public PeerVaultClient(ConnectionSettings settings)
    {
        Settings = settings;
        _http = new HttpClient(new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(5),
            AutomaticDecompression = DecompressionMethods.None,
        })
        {
            // Objects may be large and slow: only connecting has a deadline; Ctrl+C cancels the rest.
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("peervault-cli", typeof(PeerVaultClient).Assembly.GetName().Version?.ToString(3) ?? "0"));
        if (settings.ApiKey is { Length: > 0 } key)
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
    }

    /// <summary>How long a request without a body may wait for its answer (<c>PEERVAULT_TIMEOUT_SECONDS</c>, default 15).</summary>
    public static TimeSpan AnswerTimeout { get; } = TimeSpan.FromSeconds(
        double.TryParse(Environment.GetEnvironmentVariable("PEERVAULT_TIMEOUT_SECONDS"), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds > 0 ? seconds : 15);

    public ConnectionSettings Settings { get; }

    public IReadOnlyList<Uri> Endpoints => Settings.Endpoints;

    /// <summary>The path of an object's URL: each segment percent-encoded, slashes kept.</summary>
    public static string ObjectPath(string prefix, string key)
        => prefix + string.Join('/', key.Split('/').Select(Uri.EscapeDataString));

    public static Uri Combine(Uri endpoint, string pathAndQuery) => new(endpoint, endpoint.AbsolutePath.TrimEnd('/') + pathAndQuery);

    /// <summary>
    /// Sends a request built for each endpoint in turn until one answers; the answer must be a
    /// success (or one of <paramref name="accept"/>), else it is turned into a <see cref="CliException"/>.
    /// </summary>
    public async Task<HttpResponseMessage> SendAsync(Func<Uri, HttpRequestMessage> request, string what, CancellationToken cancellationToken, HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead, IReadOnlyList<Uri>? endpoints = null, params HttpStatusCode[] accept)
    {
        var failures = new List<string>();
        foreach (var endpoint in endpoints ?? Endpoints)
        {
            using var message = request(endpoint);
            HttpResponseMessage response;
            // A request without a body must be answered within AnswerTimeout: an endpoint that
            // accepts the connection but never answers (a proxy in front of a dead node) is as
            // unreachable as one that refuses it. An upload has no deadline; Ctrl+C cancels it.
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            if (message.Content is null)
            {
                deadline.CancelAfter(AnswerTimeout);
            }

            try
            {
                response = await _http.SendAsync(message, completion, deadline.Token);
            }
            catch (Exception ex) when (IsUnreachable(ex, cancellationToken))
            {
                failures.Add($"{endpoint.GetLeftPart(UriPartial.Authority)}: {Describe(ex)}");
                continue;
            }

            if (response.IsSuccessStatusCode || accept.Contains(response.StatusCode))
            {
                return response;
            }

            using (response)
            {
                throw await ToExceptionAsync(response, what, cancellationToken);
            }
        }

        throw Unreachable(failures);
    }

    public async Task<T> GetJsonAsync<T>(string pathAndQuery, JsonTypeInfo<T> type, string what, CancellationToken cancellationToken, IReadOnlyList<Uri>? endpoints = null)
    {
        using var response = await SendAsync(e => new HttpRequestMessage(HttpMethod.Get, Combine(e, pathAndQuery)), what, cancellationToken, endpoints: endpoints);
        return await ReadJsonAsync(response, type, cancellationToken);
    }

    public static async Task<T> ReadJsonAsync<T>(HttpResponseMessage response, JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        try
        {
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            return await JsonSerializer.DeserializeAsync(body, type, cancellationToken)
                ?? throw new CliException(ExitCodes.Failure, $"{response.RequestMessage?.RequestUri} answered an empty body.");
        }
        catch (JsonException ex)
        {
            throw new CliException(ExitCodes.Failure, $"{response.RequestMessage?.RequestUri} answered something that is not PeerVault's JSON ({ex.Message}); is the endpoint a PeerVault node?");
        }
    }

    /// <summary>Turns a failed answer into the exit code and one line its status and problem mean.</summary>
    public async Task<CliException> ToExceptionAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        var problem = await ReadProblemAsync(response, cancellationToken);
        var status = (int)response.StatusCode;
        var detail = problem?.Detail ?? problem?.Title ?? WithoutBody(status) ?? $"{status} {response.ReasonPhrase}";
        var code = status switch
        {
            400 or 413 or 416 => ExitCodes.BadUsage,
            401 or 403 => ExitCodes.Unauthorized,
            404 => ExitCodes.NotFound,
            502 or 507 => ExitCodes.Storage,
            503 => ExitCodes.Unavailable,
            _ => ExitCodes.Failure,
        };
        var hint = status switch
        {
            401 => $" The key came from {Settings.ApiKeySource}.",
            403 => " Use a key with that scope (read, write or admin).",
            416 when response.Content.Headers.ContentRange?.Length is { } length => $" The object is {length} bytes.",
            500 when problem?.TraceId is { } trace => $" (trace id {trace})",
            _ => string.Empty,
        };
        var from = response.RequestMessage?.RequestUri?.GetLeftPart(UriPartial.Authority);
        return new CliException(code, $"{what}: {detail}{hint}" + (status >= 500 && from is not null ? $" [{from}]" : string.Empty), status, problem?.Type);
    }

    // A HEAD answer has no body to carry the problem; say what its status means.
    private static string? WithoutBody(int status) => status switch
    {
        401 => "The API key is missing or not valid.",
        403 => "The API key does not have the scope this request needs.",
        404 => "No such object.",
        416 => "The range lies outside the object.",
        503 => "Unavailable: too few replicas could be reached.",
        _ => null,
    };

    private static async Task<Problem?> ReadProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentType?.MediaType is not ("application/problem+json" or "application/json"))
        {
            return null;
        }

        try
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            return text.Length == 0 ? null : JsonSerializer.Deserialize(text, ApiJsonContext.Default.Problem);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public CliException Unreachable(IReadOnlyList<string> failures)
    {
        var message = new StringBuilder("Cannot reach PeerVault at ")
            .AppendJoin("; ", failures)
            .Append($". The endpoint came from {Settings.EndpointSource}");
        if (Settings.EndpointSource.EndsWith(".json", StringComparison.Ordinal))
        {
            message.Append(", which the AppHost rewrites on every start: is the cluster running (dotnet run --project PeerVault.AppHost)?");
        }
        else
        {
            message.Append("; is the node running and the address right?");
        }

        return new CliException(ExitCodes.Unreachable, message.ToString());
    }

    /// <summary>A failure to connect (as opposed to an answer, or the user pressing Ctrl+C).</summary>
    public static bool IsUnreachable(Exception ex, CancellationToken cancellationToken) => ex switch
    {
        HttpRequestException { StatusCode: null } => true,
        TaskCanceledException when !cancellationToken.IsCancellationRequested => true,
        _ => false,
    };

    public static string Describe(Exception ex)
    {
        var innermost = ex;
        while (innermost.InnerException is not null)
        {
            innermost = innermost.InnerException;
        }

        return ex is TaskCanceledException ? $"no answer within {AnswerTimeout.TotalSeconds:0} s" : innermost.Message;
    }

    public void Dispose() => _http.Dispose();
}
