using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace PeerVault.Node.Storage;

/// <summary>
/// What a version of an object says about itself besides its bytes: the HTTP representation
/// headers a client gave when it wrote it (<c>Content-Type</c>, <c>Content-Encoding</c>, …), its
/// <c>x-amz-meta-*</c> user metadata, the ETag an S3 client expects (the hex MD5 of the content, or
/// <c>md5-of-part-md5s-N</c> for a multipart upload) and the checksums it asked for. It is fixed
/// when the version is written and travels with the entry everywhere (index row, replica transfer,
/// anti-entropy, repair), so every replica answers with the same headers. The version already
/// identifies it, so partition digests need not cover it. Serialized compactly (short names, nulls
/// left out); an entry without it (written before it existed, or through the native API without a
/// Content-Type) simply has none.
/// </summary>
public sealed record ObjectMetadata
{
    /// <summary>Largest serialized size accepted: S3 allows 2 KB of user metadata, the rest is a few headers.</summary>
    public const int MaxBytes = 8 * 1024;

    [JsonPropertyName("ct")]
    public string? ContentType { get; init; }

    [JsonPropertyName("ce")]
    public string? ContentEncoding { get; init; }

    [JsonPropertyName("cd")]
    public string? ContentDisposition { get; init; }

    [JsonPropertyName("cl")]
    public string? ContentLanguage { get; init; }

    [JsonPropertyName("cc")]
    public string? CacheControl { get; init; }

    [JsonPropertyName("ex")]
    public string? Expires { get; init; }

    /// <summary>The entity tag without quotes: hex MD5, or hex MD5 of the parts' MD5s and <c>-N</c>.</summary>
    [JsonPropertyName("etag")]
    public string? ETag { get; init; }

    /// <summary>User metadata: lower-case names without the <c>x-amz-meta-</c> prefix.</summary>
    [JsonPropertyName("u")]
    public Dictionary<string, string>? User { get; init; }

    /// <summary>Checksums by algorithm (<c>crc32</c>, <c>crc32c</c>, <c>crc64nvme</c>, <c>sha1</c>, <c>sha256</c>), base64, as S3 returns them.</summary>
    [JsonPropertyName("ck")]
    public Dictionary<string, string>? Checksums { get; init; }

    /// <summary>How many parts a multipart upload had (null for a single part).</summary>
    [JsonPropertyName("p")]
    public int? Parts { get; init; }

    /// <summary>The compact JSON kept in the index and sent to peers.</summary>
    public string Encode() => JsonSerializer.Serialize(this, ObjectMetadataJsonContext.Default.ObjectMetadata);

    /// <summary>Reads what <see cref="Encode"/> wrote; null for null or empty text.</summary>
    public static ObjectMetadata? Decode(string? json)
        => string.IsNullOrEmpty(json) ? null : JsonSerializer.Deserialize(json, ObjectMetadataJsonContext.Default.ObjectMetadata);

    /// <summary>Whether the serialized form fits <see cref="MaxBytes"/>.</summary>
    public bool FitsLimit(out int bytes)
    {
        bytes = Encoding.UTF8.GetByteCount(Encode());
        return bytes <= MaxBytes;
    }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ObjectMetadata))]
internal sealed partial class ObjectMetadataJsonContext : JsonSerializerContext;
