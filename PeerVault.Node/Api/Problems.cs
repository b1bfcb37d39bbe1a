namespace PeerVault.Node.Api;

/// <summary>
/// The RFC 9457 problem details the API answers errors with: a stable <c>type</c> per kind of
/// problem, a title, and a detail for people. Never a stack trace, an exception's text or a server path. The types are <see cref="ProblemTypes"/>.
/// </summary>
internal static class Problems
{
    public static IResult BadKey(string detail) => Problem(StatusCodes.Status400BadRequest, ProblemTypes.BadKey, "Invalid object key", detail);

    public static IResult NotFound(string key) => Problem(StatusCodes.Status404NotFound, ProblemTypes.NotFound, "Not found", $"No object with key '{key}'.");

    public static IResult TooLarge(long limit) => Problem(StatusCodes.Status413PayloadTooLarge, ProblemTypes.TooLarge, "Object too large", $"Objects are at most {limit} bytes on this node (PEERVAULT_MAX_OBJECT_BYTES); nothing was stored.");

    public static IResult DiskFull(string key) => Problem(StatusCodes.Status507InsufficientStorage, ProblemTypes.DiskFull, "Insufficient storage", $"The node's disk is full; '{key}' was not stored and nothing was changed.");

    public static IResult UploadIncomplete(string key) => Problem(StatusCodes.Status400BadRequest, ProblemTypes.UploadIncomplete, "Upload incomplete", $"The body of '{key}' did not arrive whole; nothing was stored.");

    public static IResult WriteQuorum(string detail, IDictionary<string, object?> extensions)
        => Problem(StatusCodes.Status503ServiceUnavailable, ProblemTypes.WriteQuorum, "Write quorum not reached", detail, extensions);

    public static IResult Unavailable(string key) => Problem(StatusCodes.Status503ServiceUnavailable, ProblemTypes.ReplicasUnreachable, "Replicas unreachable", $"Too few of the nodes placed to hold '{key}' answered to know its newest version; try again.");

    public static IResult NoIntactCopy(string key, IReadOnlyList<string> problems)
        => Problem(StatusCodes.Status502BadGateway, ProblemTypes.Integrity, "Integrity failure", $"Every copy of '{key}' this node could reach failed verification: {string.Join("; ", problems)}");

    public static IResult UnknownMember(string id) => Problem(StatusCodes.Status404NotFound, ProblemTypes.UnknownMember, "Unknown member", $"No member with id '{id}' (or it is this node).");

    public static IResult Unauthorized(bool wrongKey) => Problem(
        StatusCodes.Status401Unauthorized,
        ProblemTypes.Unauthorized,
        "Unauthorized",
        wrongKey ? "The API key is not valid." : "An API key is required: send it as 'Authorization: Bearer <key>' or 'X-Api-Key: <key>'.");

    public static IResult Forbidden(string caller) => Problem(StatusCodes.Status403Forbidden, ProblemTypes.Forbidden, "Forbidden", $"The API key '{caller}' does not have the scope this request needs.");

    public static IResult Internal() => Problem(StatusCodes.Status500InternalServerError, ProblemTypes.Internal, "Internal error", "The node could not handle the request; its log has the details under this trace id.");

    public static IResult Joining(string detail) => Problem(StatusCodes.Status503ServiceUnavailable, ProblemTypes.Joining, "Joining the cluster", detail);

    /// <summary>Too few replicas answered a listing, or a write's version question: the detail says how many.</summary>
    public static IResult ListingIncomplete(string detail) => Problem(StatusCodes.Status503ServiceUnavailable, ProblemTypes.ReplicasUnreachable, "Replicas unreachable", detail);

    public static IResult StorageUnavailable(string detail) => Problem(StatusCodes.Status503ServiceUnavailable, ProblemTypes.StorageUnavailable, "Storage unavailable", detail);

    public static IResult BadQuery(string detail) => Problem(StatusCodes.Status400BadRequest, ProblemTypes.BadQuery, "Invalid query", detail);

    private static IResult Problem(int status, string type, string title, string detail, IDictionary<string, object?>? extensions = null)
        => Results.Problem(detail: detail, statusCode: status, title: title, type: type, extensions: extensions);
}
