using PeerVault.Node.Cluster.Versions;
using PeerVault.Node.Net.Rpc;
using PeerVault.Node.Storage;

namespace PeerVault.Node.Cluster;

/// <summary>An entry a peer sent does not make sense (bad key, version, blob id or size).</summary>
public sealed class InvalidEntryException : Exception
{
    public InvalidEntryException(string message)
        : base(message)
    {
    }

    public InvalidEntryException()
    {
    }

    public InvalidEntryException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// Index entries on and off the wire. Whatever arrives is checked before the cluster acts on it:
/// a valid key, a parseable version that is not further in the future than the clock skew allows
/// (the clock then moves past it), and for live entries a blob id and sizes that make sense.
/// </summary>
public static class WireEntries
{
    public static WireEntry ToWire(this IndexEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return new WireEntry(entry.Key, entry.Version.ToString(), entry.BlobId, entry.Size, entry.SealedLength, entry.Deleted, entry.UpdatedAt, entry.Deleted ? null : entry.Metadata);
    }

    /// <summary>Checks and converts; throws <see cref="InvalidEntryException"/> or <see cref="VersionFromFutureException"/>.</summary>
    public static IndexEntry FromWire(this WireEntry wire, HybridClock clock)
    {
        ArgumentNullException.ThrowIfNull(wire);
        ArgumentNullException.ThrowIfNull(clock);
        if (!ObjectKey.Validate(wire.Key, out var keyError))
        {
            throw new InvalidEntryException($"Invalid key: {keyError}");
        }

        var version = ParseVersion(wire.Version);
        clock.Observe(version);
        if (!wire.Deleted && (!BlobId.TryParse(wire.BlobId, out _) || wire.Size < 0 || wire.SealedLength < SealedObjectHeader.Size))
        {
            throw new InvalidEntryException($"Entry for '{wire.Key}' has no valid blob id or sizes.");
        }

        if (!wire.Deleted && wire.Metadata is { } metadata && !metadata.FitsLimit(out var metadataBytes))
        {
            throw new InvalidEntryException($"Entry for '{wire.Key}' carries {metadataBytes} bytes of metadata; at most {ObjectMetadata.MaxBytes} are kept.");
        }

        return new IndexEntry
        {
            Key = wire.Key,
            Metadata = wire.Deleted ? null : wire.Metadata,
            Version = version,
            BlobId = wire.Deleted ? null : wire.BlobId,
            Size = wire.Deleted ? 0 : wire.Size,
            SealedLength = wire.Deleted ? 0 : wire.SealedLength,
            Deleted = wire.Deleted,
            UpdatedAt = version.WallTime,
        };
    }

    /// <summary>
    /// An upper bound of the entry's size in a message's JSON (the encoder writes a non-ASCII or
    /// HTML-sensitive character as a six-byte escape), so an answer of many entries can stop before
    /// it outgrows a frame: entries with metadata are larger than the fixed part alone.
    /// </summary>
    public static int EstimatedJsonBytes(IndexEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var bytes = 256 + (entry.BlobId?.Length ?? 0) + (entry.Metadata?.Encode().Length ?? 0);
        foreach (var c in entry.Key)
        {
            bytes += char.IsAsciiLetterOrDigit(c) || c is '/' or '-' or '_' or '.' or ' ' ? 1 : 6;
        }

        return bytes;
    }

    public static ObjectVersion ParseVersion(string? text)
        => ObjectVersion.TryParse(text, out var version) ? version : throw new InvalidEntryException($"'{text}' is not a version.");
}
