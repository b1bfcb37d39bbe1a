using System.Net;
using System.Net.Http.Headers;
using PeerVault.Contracts;

namespace PeerVault.Client;

/// <summary>What a GET or HEAD says about an object: its size, id and version, and who served it.</summary>
public sealed record ObjectProperties
{
    public required string Key { get; init; }

    /// <summary>The whole object's size in bytes.</summary>
    public required long Size { get; init; }

    /// <summary>Bytes in this answer: <see cref="Size"/>, or the range's length.</summary>
    public required long ContentLength { get; init; }

    /// <summary>The object's id: the SHA-256 of its sealed bytes (also its ETag).</summary>
    public string? ObjectId { get; init; }

    /// <summary>The version served (hybrid logical clock; a later write has a larger one).</summary>
    public string? Version { get; init; }

    /// <summary><c>local</c>, or the replica the answering node streamed the object from.</summary>
    public string? ServedBy { get; init; }

    /// <summary>For a range: <c>bytes first-last/size</c>.</summary>
    public string? ContentRange { get; init; }

    /// <summary>On a verified HEAD: whose copy was read whole and found intact.</summary>
    public string? VerifiedBy { get; init; }

    /// <summary>On a verified HEAD: the answering node's own copy (<c>ok</c>, <c>restored</c>, <c>quarantined</c>, <c>none</c>).</summary>
    public string? LocalCopy { get; init; }

    /// <summary>The node that answered.</summary>
    public required Uri Endpoint { get; init; }

    internal static ObjectProperties From(string key, HttpResponseMessage response, Uri endpoint)
    {
        var headers = response.Headers;
        var content = response.Content.Headers;
        var length = content.ContentLength ?? 0;
        var range = response.StatusCode == HttpStatusCode.PartialContent ? content.ContentRange : null;
        return new ObjectProperties
        {
            Key = key,
            Size = range?.Length ?? length,
            ContentLength = length,
            ObjectId = Header(headers, PeerVaultHeaders.ObjectId) ?? headers.ETag?.Tag.Trim('"'),
            Version = Header(headers, PeerVaultHeaders.Version),
            ServedBy = Header(headers, PeerVaultHeaders.ServedBy),
            ContentRange = range?.ToString(),
            VerifiedBy = Header(headers, PeerVaultHeaders.Verified),
            LocalCopy = Header(headers, PeerVaultHeaders.LocalCopy),
            Endpoint = endpoint,
        };
    }

    private static string? Header(HttpResponseHeaders headers, string name)
        => headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;
}
