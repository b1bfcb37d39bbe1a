namespace PeerVault.Node.Storage;

/// <summary>
/// What a user key currently means: a blob and its sizes, or a tombstone. Entries are ordered by
/// (<see cref="Version"/>, <see cref="Origin"/>): a hybrid logical clock stamp and the writing
/// node's name, so every replica picks the same winner for concurrent writes.
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

    public required long Version { get; init; }

    public required string Origin { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    public bool Deleted { get; init; }

    public bool Supersedes(IndexEntry other)
        => Version != other.Version ? Version > other.Version : string.CompareOrdinal(Origin, other.Origin) > 0;
}
