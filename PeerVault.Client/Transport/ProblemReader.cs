using System.Text.Json;
using PeerVault.Contracts;

namespace PeerVault.Client.Transport;

/// <summary>Turns an answer that is not a success into the typed exception its status and problem type mean.</summary>
internal static class ProblemReader
{
    /// <summary>Problem details are small; a body larger than this is not one.</summary>
    private const int MaxProblemBytes = 64 * 1024;

    public static async Task<PeerVaultException> ToExceptionAsync(HttpResponseMessage response, Uri endpoint, CancellationToken cancellationToken)
    {
        var problem = await ReadAsync(response, cancellationToken);
        var status = (int)response.StatusCode;
        var detail = problem?.Detail ?? problem?.Title ?? WithoutBody(status) ?? $"{status} {response.ReasonPhrase}";
        return status switch
        {
            404 => new PeerVaultNotFoundException(detail, status, problem, endpoint),
            401 or 403 => new PeerVaultUnauthorizedException(detail, status, problem, endpoint),
            400 or 413 => new PeerVaultRequestException(detail, status, problem, endpoint, objectSize: null),
            416 => new PeerVaultRequestException(
                response.Content.Headers.ContentRange?.Length is { } size ? $"{detail} The object is {size} bytes." : detail,
                status,
                problem,
                endpoint,
                response.Content.Headers.ContentRange?.Length),
            502 => new PeerVaultIntegrityException(detail, status, problem, endpoint),
            503 => new PeerVaultUnavailableException(detail, status, problem, endpoint, RetryAfter(response)),
            507 => new PeerVaultInsufficientStorageException(detail, status, problem, endpoint),
            _ => new PeerVaultException(detail, status, problem, endpoint),
        };
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - DateTimeOffset.UtcNow is { Ticks: > 0 } wait ? wait : TimeSpan.Zero,
        _ => null,
    };

    // A HEAD answer (or a 416) has no body to carry the problem; say what its status means.
    private static string? WithoutBody(int status) => status switch
    {
        401 => "The API key is missing or not valid.",
        403 => "The API key does not have the scope this request needs.",
        404 => "No such object.",
        416 => "The range lies outside the object.",
        502 => "Every copy the node could reach failed verification.",
        503 => "Unavailable: too few replicas could be reached.",
        _ => null,
    };

    private static async Task<ApiProblem?> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentType?.MediaType is not ("application/problem+json" or "application/json")
            || response.Content.Headers.ContentLength > MaxProblemBytes)
        {
            return null;
        }

        try
        {
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            return await JsonSerializer.DeserializeAsync(body, PeerVaultJsonContext.Default.ApiProblem, cancellationToken);
        }
        catch (Exception ex) when (ex is JsonException or IOException or HttpRequestException)
        {
            return null;
        }
    }
}
