using System.Text.Json.Serialization;

namespace PeerVault.Node.Storage;

/// <summary>
/// What a user key currently means on this node: a blob and its sizes, or a tombstone. Entries are
/// ordered by <see cref="Version"/> (a hybrid logical clock reading and the writing node's id), so
/// every replica picks the same winner for concurrent writes and deletes.
/// </summary>
public sealed record IndexEntry
{
    public required string Key { get; init; }

    /// <summary>The sealed blob's SHA-256; null for a tombstone.</summary>
    public string? BlobId { get; init; }

    /// <summary>Plaintext length in bytes.</summary>
    public long Size { get; init; }

    /// <summary>Length of the sealed blob on disk (and on the wire).</summary>
    public long SealedLength { get; init; }

    public required ObjectVersion Version { get; init; }

    /// <summary>When the write or delete happened (the version's wall time), for listings.</summary>
    public DateTimeOffset UpdatedAt { get; init; }

    public bool Deleted { get; init; }

    /// <summary>Headers, ETag and checksums the version was written with (null: none, as for every entry written before they existed).</summary>
    public ObjectMetadata? Metadata { get; init; }

    /// <summary>Only in the index log: the key was handed to other replicas and dropped here.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool Forgotten { get; init; }

    public bool Supersedes(IndexEntry other) => Version > other.Version;

    public static IndexEntry Tombstone(string key, ObjectVersion version) => new()
    {
        Key = key,
        Version = version,
        UpdatedAt = version.WallTime,
        Deleted = true,
    };
}
