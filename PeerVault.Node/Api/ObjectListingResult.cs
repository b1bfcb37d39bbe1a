using System.Text.Json;
using PeerVault.Node.Cluster;
using PeerVault.Node.Storage;

namespace PeerVault.Node.Api;

/// <summary>
/// Writes a listing page as the JSON of <see cref="ObjectListing"/> (the same bytes
/// <see cref="PeerVaultJsonContext"/> would write), straight from the index entries to the response
/// body. A page holds up to ten thousand keys: going through <see cref="ObjectSummary"/> records
/// made a record and a version string of garbage for every key listed; here the only per-key work
/// is escaping the key and formatting the numbers (the version into a reused buffer).
/// </summary>
internal sealed class ObjectListingResult(ListingPage page) : IResult
{
    /// <summary>
    /// Hand the body to the transport every this many bytes, so a page (two megabytes at ten
    /// thousand keys) is never held whole, and a slow client holds the writer back instead.
    /// </summary>
    private const int FlushThreshold = 32 * 1024;

    private static readonly JsonEncodedText Objects = JsonEncodedText.Encode("objects");
    private static readonly JsonEncodedText Next = JsonEncodedText.Encode("next");
    private static readonly JsonEncodedText Key = JsonEncodedText.Encode("key");
    private static readonly JsonEncodedText ObjectId = JsonEncodedText.Encode("objectId");
    private static readonly JsonEncodedText Size = JsonEncodedText.Encode("size");
    private static readonly JsonEncodedText Version = JsonEncodedText.Encode("version");
    private static readonly JsonEncodedText UpdatedAt = JsonEncodedText.Encode("updatedAt");

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json; charset=utf-8";
        var version = new byte[ObjectVersion.TextLength];
        await using var json = new Utf8JsonWriter(response.Body);
        json.WriteStartObject();
        json.WriteStartArray(Objects);
        foreach (var entry in page.Entries)
        {
            json.WriteStartObject();
            json.WriteString(Key, entry.Key);
            json.WriteString(ObjectId, entry.BlobId);
            json.WriteNumber(Size, entry.Size);
            entry.Version.TryFormat(version, out _);
            json.WriteString(Version, version);
            json.WriteString(UpdatedAt, entry.UpdatedAt);
            json.WriteEndObject();
            if (json.BytesPending >= FlushThreshold)
            {
                await json.FlushAsync(httpContext.RequestAborted);
            }
        }

        json.WriteEndArray();
        if (page.Next is not null)
        {
            json.WriteString(Next, page.Next);
        }

        json.WriteEndObject();
        await json.FlushAsync(httpContext.RequestAborted);
    }
}
