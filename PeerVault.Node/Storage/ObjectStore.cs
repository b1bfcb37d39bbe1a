using PeerVault.Node.Diagnostics;
using PeerVault.Node.Security;

namespace PeerVault.Node.Storage;

/// <summary>
/// The node's local store: seals plaintext into content-addressed blobs, accepts replicas as
/// ciphertext (checked by hash and by decryption, never re-encrypted), reads plaintext back, and
/// keeps the key index in step. Everything streams; nothing holds a whole object in memory.
/// </summary>
public sealed partial class ObjectStore(BlobStore blobs, KeyIndex index, ObjectCipher cipher, NodeIdentity self, NodeTracing tracing, TimeProvider time, ILogger<ObjectStore> logger)
{
    private const int CopyBufferSize = 256 * 1024;

    public KeyIndex Index => index;

    public BlobStore Blobs => blobs;

    public ObjectCipher Cipher => cipher;

    /// <summary>Seals <paramref name="plaintext"/> under <paramref name="key"/>; returns the new entry once it is durable.</summary>
    public async Task<IndexEntry> PutAsync(string key, Stream plaintext, CancellationToken cancellationToken)
    {
        await using var writer = blobs.CreateWriter();
        var size = await cipher.SealAsync(plaintext, writer, cancellationToken);
        var sealedLength = writer.Length;
        var blob = blobs.Commit(writer);
        var entry = new IndexEntry
        {
            Key = key,
            BlobId = blob.Value,
            Size = size,
            SealedLength = sealedLength,
            Version = index.NextVersion(),
            Origin = self.Name,
            UpdatedAt = time.GetUtcNow(),
        };
        Apply(entry);
        return entry;
    }

    /// <summary>
    /// Stores a replica sent by a peer: the bytes must hash to the announced blob id and decrypt
    /// under a key this node holds, or nothing is kept. Returns whether the entry was newer than
    /// what this node had.
    /// </summary>
    public async Task<bool> AcceptReplicaAsync(IndexEntry announced, Stream sealedBytes, CancellationToken cancellationToken)
    {
        if (!ObjectKey.Validate(announced.Key, out var keyError))
        {
            throw new ObjectIntegrityException($"Replica announced an invalid key: {keyError}");
        }

        if (announced.Deleted || !BlobId.TryParse(announced.BlobId, out var expected))
        {
            throw new ObjectIntegrityException("Replica announced no valid blob id.");
        }

        await using (var writer = blobs.CreateWriter())
        {
            using (var write = tracing.StartStep("WriteReplica"))
            {
                await sealedBytes.CopyToAsync(writer, CopyBufferSize, cancellationToken);
                write?.SetTag("peervault.bytes", writer.Length);
            }

            if (writer.Length != announced.SealedLength)
            {
                throw new ObjectIntegrityException($"Replica of '{announced.Key}' is {writer.Length} bytes but was announced as {announced.SealedLength}.");
            }

            using (tracing.StartStep("FsyncReplica"))
            {
                blobs.Commit(writer, expected);
            }
        }

        try
        {
            using var verify = tracing.StartStep("VerifyReplica");
            await using var stored = blobs.OpenRead(expected);
            var size = await cipher.VerifyAsync(stored, cancellationToken);
            if (size != announced.Size)
            {
                throw new ObjectIntegrityException($"Replica of '{announced.Key}' decrypts to {size} bytes but was announced as {announced.Size}.");
            }
        }
        catch
        {
            if (!index.References(expected))
            {
                blobs.Delete(expected);
            }

            throw;
        }

        return Apply(announced);
    }

    /// <summary>The live (not deleted) entry for a key, if this node holds its blob.</summary>
    public bool TryGetLocal(string key, out IndexEntry entry)
        => index.TryGet(key, out entry) && !entry.Deleted && BlobId.TryParse(entry.BlobId, out var blob) && blobs.Exists(blob);

    /// <summary>Decrypts the entry's blob into <paramref name="output"/>, verifying every chunk.</summary>
    public async Task<long> ReadAsync(IndexEntry entry, Stream output, CancellationToken cancellationToken)
    {
        await using var stored = blobs.OpenRead(BlobId.Parse(entry.BlobId));
        return await cipher.OpenAsync(stored, output, cancellationToken);
    }

    /// <summary>Decrypts <paramref name="count"/> plaintext bytes from <paramref name="offset"/> of the entry's blob.</summary>
    public async Task<long> ReadRangeAsync(IndexEntry entry, long offset, long count, Stream output, CancellationToken cancellationToken)
    {
        await using var stored = blobs.OpenRead(BlobId.Parse(entry.BlobId));
        return await cipher.OpenRangeAsync(stored, offset, count, output, cancellationToken);
    }

    /// <summary>Opens the sealed bytes as they are on disk, for sending to a peer.</summary>
    public FileStream OpenSealed(IndexEntry entry) => blobs.OpenRead(BlobId.Parse(entry.BlobId));

    /// <summary>Writes a tombstone for <paramref name="key"/>; returns it, or null when the key was never stored.</summary>
    public IndexEntry? Delete(string key)
    {
        if (!index.TryGet(key, out var existing) || existing.Deleted)
        {
            return null;
        }

        var tombstone = new IndexEntry
        {
            Key = key,
            Version = index.NextVersion(),
            Origin = self.Name,
            UpdatedAt = time.GetUtcNow(),
            Deleted = true,
        };
        Apply(tombstone);
        return tombstone;
    }

    /// <summary>Applies an entry (usually a tombstone from a peer) that needs no blob transfer.</summary>
    public bool Apply(IndexEntry entry)
    {
        if (!index.Apply(entry, out var orphan))
        {
            return false;
        }

        if (orphan is { } blob)
        {
            blobs.Delete(blob);
            LogBlobReleased(blob.Value, entry.Key);
        }

        return true;
    }

    /// <summary>Moves a blob that failed verification out of the way so the next read fetches a good copy.</summary>
    public void Quarantine(IndexEntry entry, Exception reason)
    {
        LogQuarantined(entry.Key, entry.BlobId, reason.Message);
        if (BlobId.TryParse(entry.BlobId, out var blob))
        {
            blobs.Delete(blob);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Released blob {BlobId} no longer referenced after update of {Key}")]
    private partial void LogBlobReleased(string blobId, string key);

    [LoggerMessage(Level = LogLevel.Error, Message = "Local copy of {Key} (blob {BlobId}) failed verification and was removed: {Reason}")]
    private partial void LogQuarantined(string key, string? blobId, string reason);
}
