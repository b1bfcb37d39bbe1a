using System.Collections.Concurrent;
using PeerVault.Node.Diagnostics;
using PeerVault.Node.Storage.Index;

namespace PeerVault.Node.Storage;

/// <summary>A sealed object written to this node's blob store, ready to be referenced by an index entry.</summary>
public sealed record SealedBlob(BlobId Id, long Size, long SealedLength);

/// <summary>
/// The node's local store: seals plaintext into content-addressed blobs, accepts replicas as
/// ciphertext (checked by hash and by decryption, never re-encrypted), reads plaintext back, and
/// keeps the key index in step, so that each key holds exactly one current blob: a blob that loses
/// to a newer version, or is no longer referenced, is removed at once. Blobs still being written or
/// sent are pinned, so neither that nor the periodic sweep removes them under a transfer.
/// Everything streams; nothing holds a whole object in memory.
/// </summary>
public sealed partial class ObjectStore(BlobStore blobs, KeyIndex index, ObjectCipher cipher, NodeTracing tracing, ILogger<ObjectStore> logger)
{
    private readonly ConcurrentDictionary<string, int> _pins = new(StringComparer.Ordinal);

    public KeyIndex Index => index;

    public BlobStore Blobs => blobs;

    public ObjectCipher Cipher => cipher;

    /// <summary>Seals <paramref name="plaintext"/> into a durable blob, pinned until the lease is disposed.</summary>
    public async Task<(SealedBlob Blob, IDisposable Lease)> SealAsync(Stream plaintext, CancellationToken cancellationToken)
    {
        await using var writer = blobs.CreateWriter();
        var size = await cipher.SealAsync(plaintext, writer, cancellationToken);
        var sealedLength = writer.Length;
        var id = await CommitAsync(writer, expected: null);
        return (new SealedBlob(id, size, sealedLength), new Lease(this, id));
    }

    /// <summary>
    /// Makes <paramref name="entry"/> current for its key if it is the newest version here; completes
    /// once the index change is durable. A blob the entry replaced, or the entry's own blob if it
    /// lost, is released.
    /// </summary>
    public async Task<ApplyOutcome> ApplyAsync(IndexEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return (await ApplyChangeAsync(entry)).Outcome;
    }

    private async Task<IndexChange> ApplyChangeAsync(IndexEntry entry)
    {
        var change = await index.ApplyAsync(entry);
        if (change.Released is { } replaced)
        {
            Release(replaced);
            LogBlobReleased(replaced.Value, entry.Key);
        }

        if (change.Outcome == ApplyOutcome.Superseded && BlobId.TryParse(entry.BlobId, out var loser))
        {
            Release(loser);
        }

        return change;
    }

    /// <summary>
    /// Stores a replica sent by a peer: the bytes must hash to the announced blob id and decrypt
    /// under a key this node holds, or nothing is kept. Every chunk is verified in the same pass that
    /// writes it (<see cref="ReplicaCopyStream"/>), so the blob is never read back. Returns whether the entry
    /// became current.
    /// </summary>
    public async Task<ApplyOutcome> AcceptReplicaAsync(IndexEntry announced, Stream sealedBytes, CancellationToken cancellationToken)
    {
        await using var copy = BeginCopy(announced, sealedBytes);
        var size = await VerifyCopyAsync(copy, cancellationToken);
        return await KeepCopyAsync(copy, size, cancellationToken);
    }

    /// <summary>Reads a copy through, verifying every chunk as it is written (the replica's write step); returns the plaintext size.</summary>
    private async Task<long> VerifyCopyAsync(ReplicaCopyStream copy, CancellationToken cancellationToken)
    {
        using var write = tracing.StartStep("WriteReplica");
        var size = await cipher.VerifyAsync(copy, cancellationToken);
        write?.SetTag("peervault.bytes", copy.Writer.Length);
        return size;
    }

    /// <summary>
    /// Stores a replica that a coordinator streams while it is still sealing it (a pipelined write):
    /// <paramref name="sealedLength"/> sealed bytes, verified and copied as they arrive, and after
    /// them on the same stream the entry that names them, which <paramref name="readEntry"/> reads
    /// (the coordinator knows the blob id and version only once it has sealed the last byte). The
    /// bytes must hash to that entry's blob id and decrypt to its size, or nothing is kept; a stream
    /// that ends or aborts before the entry leaves nothing either.
    /// </summary>
    public async Task<ApplyOutcome> AcceptStreamedReplicaAsync(string key, long sealedLength, Stream body, Func<CancellationToken, Task<IndexEntry>> readEntry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(readEntry);
        if (!ObjectKey.Validate(key, out var keyError))
        {
            throw new ObjectIntegrityException($"Replica announced an invalid key: {keyError}");
        }

        var provisional = new IndexEntry { Key = key, Version = ObjectVersion.Zero, SealedLength = sealedLength };
        await using var copy = new ReplicaCopyStream(provisional, new LengthLimitedStream(body, sealedLength), blobs.CreateWriter());
        var size = await VerifyCopyAsync(copy, cancellationToken);

        var entry = await readEntry(cancellationToken);
        if (!string.Equals(entry.Key, key, StringComparison.Ordinal) || entry.Deleted || !BlobId.TryParse(entry.BlobId, out _))
        {
            throw new ObjectIntegrityException($"Replica of '{key}' was named by an entry for '{entry.Key}' without a valid blob id.");
        }

        copy.Announced = entry;
        return await KeepCopyAsync(copy, size, cancellationToken);
    }

    /// <summary>
    /// Keeps the blob this node sealed itself while the same bytes went to the other replicas (a
    /// pipelined write): durable under its hash, which must be the entry's blob id, and the entry
    /// current if it is the newest here.
    /// </summary>
    public async Task<ApplyOutcome> KeepSealedAsync(BlobWriteStream writer, IndexEntry entry)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(entry);
        var id = await CommitAsync(writer, BlobId.Parse(entry.BlobId));
        try
        {
            return await ApplyAsync(entry);
        }
        finally
        {
            Unpin(id);
        }
    }

    /// <summary>
    /// Starts copying the sealed bytes announced as <paramref name="announced"/> into a temporary blob
    /// as a reader reads them through the returned stream (which must verify every chunk: the
    /// cipher's <see cref="ObjectCipher.OpenAsync"/> or <see cref="ObjectCipher.VerifyAsync"/>).
    /// <see cref="KeepCopyAsync"/> then keeps it; disposing the copy without that discards it.
    /// </summary>
    public ReplicaCopyStream BeginCopy(IndexEntry announced, Stream sealedBytes)
    {
        ArgumentNullException.ThrowIfNull(announced);
        ArgumentNullException.ThrowIfNull(sealedBytes);
        if (!ObjectKey.Validate(announced.Key, out var keyError))
        {
            throw new ObjectIntegrityException($"Replica announced an invalid key: {keyError}");
        }

        if (announced.Deleted || !BlobId.TryParse(announced.BlobId, out _))
        {
            throw new ObjectIntegrityException("Replica announced no valid blob id.");
        }

        return new ReplicaCopyStream(announced, sealedBytes, blobs.CreateWriter());
    }

    /// <summary>
    /// Keeps a copy whose reader verified every chunk through to the end and found
    /// <paramref name="plaintextSize"/> bytes: checks the sizes against the announced entry, makes the
    /// blob durable under the hash it was announced by (refused if the bytes hash otherwise) and makes
    /// the entry current if it is the newest here. Throws the copy's write failure if it had one.
    /// </summary>
    public async Task<ApplyOutcome> KeepCopyAsync(ReplicaCopyStream copy, long plaintextSize, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(copy);
        await copy.FinishWriteAsync();
        cancellationToken.ThrowIfCancellationRequested();
        if (copy.Failure is { } failure)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }

        var announced = copy.Announced;
        using (tracing.StartStep("VerifyReplica"))
        {
            if (!copy.ReachedEnd)
            {
                throw new ObjectIntegrityException($"Replica of '{announced.Key}' was not read to its end.");
            }

            if (copy.Writer.Length != announced.SealedLength)
            {
                throw new ObjectIntegrityException($"Replica of '{announced.Key}' is {copy.Writer.Length} bytes but was announced as {announced.SealedLength}.");
            }

            if (plaintextSize != announced.Size)
            {
                throw new ObjectIntegrityException($"Replica of '{announced.Key}' decrypts to {plaintextSize} bytes but was announced as {announced.Size}.");
            }
        }

        BlobId id;
        using (tracing.StartStep("FsyncReplica"))
        {
            // Refused here when the bytes hash to anything but the announced id.
            id = await CommitAsync(copy.Writer, BlobId.Parse(announced.BlobId));
        }

        try
        {
            return await ApplyAsync(announced);
        }
        finally
        {
            // Unpinned either way; released if the entry lost.
            Unpin(id);
        }
    }

    /// <summary>
    /// Applies a tombstone. Whether the key existed is not this replica's to say (it may have missed
    /// the writes before): a delete learns that from its read quorum.
    /// </summary>
    public async Task<ApplyOutcome> ApplyTombstoneAsync(IndexEntry tombstone)
    {
        ArgumentNullException.ThrowIfNull(tombstone);
        return (await ApplyChangeAsync(tombstone with { BlobId = null, Size = 0, SealedLength = 0, Metadata = null })).Outcome;
    }

    /// <summary>The live (not deleted) entry for a key, if this node holds its blob.</summary>
    public bool TryGetLocal(string key, out IndexEntry entry)
        => index.TryGet(key, out entry) && HoldsBlobOf(entry);

    /// <summary>Whether the blob of an entry already looked up is on disk (a tombstone has none): <see cref="TryGetLocal"/> without a second index lookup.</summary>
    public bool HoldsBlobOf(IndexEntry? entry)
        => entry is { Deleted: false } && BlobId.TryParse(entry.BlobId, out var blob) && blobs.Exists(blob);

    /// <summary>Decrypts the entry's blob into <paramref name="output"/>, verifying every chunk.</summary>
    public async Task<long> ReadAsync(IndexEntry entry, Stream output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        await using var stored = blobs.OpenRead(BlobId.Parse(entry.BlobId));
        return await cipher.OpenAsync(stored, output, cancellationToken);
    }

    /// <summary>Decrypts <paramref name="count"/> plaintext bytes from <paramref name="offset"/> of the entry's blob.</summary>
    public async Task<long> ReadRangeAsync(IndexEntry entry, long offset, long count, Stream output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        await using var stored = blobs.OpenRead(BlobId.Parse(entry.BlobId));
        return await cipher.OpenRangeAsync(stored, offset, count, output, cancellationToken);
    }

    /// <summary>Opens the sealed bytes as they are on disk, for sending to a peer.</summary>
    public FileStream OpenSealed(IndexEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return blobs.OpenRead(BlobId.Parse(entry.BlobId));
    }

    /// <summary>Opens the entry's sealed blob to serve it to a client or a peer (a small one read whole: <see cref="BlobStore.OpenReadWhole"/>).</summary>
    public Stream OpenSealedToServe(IndexEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return blobs.OpenReadWhole(BlobId.Parse(entry.BlobId));
    }

    /// <summary>Drops a key this node no longer has to hold, if it still holds <paramref name="version"/>.</summary>
    public async Task<bool> ForgetAsync(string key, ObjectVersion version)
    {
        var change = await index.ForgetAsync(key, version);
        if (change.Outcome != ApplyOutcome.Applied)
        {
            return false;
        }

        if (change.Released is { } blob)
        {
            Release(blob);
        }

        return true;
    }

    /// <summary>
    /// Moves a blob that failed verification to <c>quarantine/</c> (never deletes it: it is evidence),
    /// so the next read fetches a good copy and repair can bring one back under the same id.
    /// </summary>
    public void Quarantine(IndexEntry entry, Exception reason)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(reason);
        if (BlobId.TryParse(entry.BlobId, out var blob) && blobs.Quarantine(blob) is { } movedTo)
        {
            LogQuarantined(entry.Key, entry.BlobId, reason.Message, movedTo);
        }
    }

    /// <summary>
    /// Reads the entry's whole blob and checks it the way a reader would and more: every chunk's tag,
    /// the final-chunk marker, the plaintext size, the sealed length and the SHA-256 the blob is named
    /// by. Throws <see cref="ObjectIntegrityException"/> when any of them is wrong.
    /// <paramref name="afterRead"/> runs after each read (to pace a background check).
    /// </summary>
    public async Task VerifyAsync(IndexEntry entry, Func<int, CancellationToken, ValueTask>? afterRead, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        await using var stored = blobs.OpenRead(BlobId.Parse(entry.BlobId));
        await VerifySealedAsync(entry, stored, afterRead, cancellationToken);
    }

    /// <summary>Checks sealed bytes from anywhere (a file, a peer) against what <paramref name="entry"/> announces.</summary>
    public async Task VerifySealedAsync(IndexEntry entry, Stream sealedBytes, Func<int, CancellationToken, ValueTask>? afterRead, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        await using var hashing = new HashingReadStream(sealedBytes, afterRead);
        var size = await cipher.VerifyAsync(hashing, cancellationToken);
        var hash = await hashing.FinishAsync(cancellationToken);
        if (size != entry.Size || hashing.BytesRead != entry.SealedLength)
        {
            throw new ObjectIntegrityException($"Copy of '{entry.Key}' holds {size} bytes ({hashing.BytesRead} sealed) but the index says {entry.Size} ({entry.SealedLength}).");
        }

        if (hash.Value != entry.BlobId)
        {
            throw new ObjectIntegrityException($"Copy of '{entry.Key}' hashes to {hash} but is named {entry.BlobId}.");
        }
    }

    /// <summary>
    /// Opens the sealed bytes for a peer that wants plaintext from <paramref name="plaintextOffset"/>
    /// on: the header, then the chunk records from the one holding that offset. Returns the stream and
    /// how many chunk records it leaves out.
    /// </summary>
    public (Stream Sealed, long ChunksOmitted) OpenSealedFrom(IndexEntry entry, long plaintextOffset)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (plaintextOffset <= 0)
        {
            return (OpenSealedToServe(entry), 0);
        }

        var file = blobs.OpenRead(BlobId.Parse(entry.BlobId));

        try
        {
            var header = new byte[SealedObjectHeader.Size];
            file.ReadExactly(header);
            var chunkSize = SealedObjectHeader.Parse(header).ChunkSize;
            var lastChunk = Math.Max(0, (entry.Size - 1) / chunkSize);
            var first = Math.Min(plaintextOffset / chunkSize, lastChunk);
            file.Seek(SealedObjectHeader.Size + (first * ObjectCipher.RecordLength(chunkSize)), SeekOrigin.Begin);
            return (new PrefixedStream(header, file), first);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Removes blobs that no index entry references and no transfer holds, written more than
    /// <paramref name="olderThan"/> ago (a crash between a blob's commit and its index entry leaves
    /// such a blob; the delay keeps one that is about to be referenced). Returns how many went.
    /// </summary>
    public int SweepUnreferencedBlobs(DateTimeOffset olderThan)
    {
        var removed = 0;
        foreach (var blob in blobs.EnumerateBlobs())
        {
            if (!_pins.ContainsKey(blob.Value) && blobs.WrittenAt(blob) is { } written && written < olderThan
                && index.ReleaseIfUnreferenced(blob, blobs.Delete))
            {
                removed++;
            }
        }

        return removed;
    }

    /// <summary>Commits the writer's blob pinned; the caller unpins it.</summary>
    private async Task<BlobId> CommitAsync(BlobWriteStream writer, BlobId? expected)
    {
        BlobId? pinned = null;
        try
        {
            return await blobs.CommitAsync(writer, expected, id =>
            {
                Pin(id);
                pinned = id;
            });
        }
        catch when (pinned is { } id)
        {
            Unpin(id);
            throw;
        }
    }

    private void Pin(BlobId blob) => _pins.AddOrUpdate(blob.Value, 1, (_, pins) => pins + 1);

    private void Unpin(BlobId blob)
    {
        while (_pins.TryGetValue(blob.Value, out var pins))
        {
            if (pins <= 1 ? _pins.TryRemove(new KeyValuePair<string, int>(blob.Value, pins)) : _pins.TryUpdate(blob.Value, pins - 1, pins))
            {
                break;
            }
        }

        Release(blob);
    }

    /// <summary>Deletes the blob unless an entry references it or a transfer still holds it.</summary>
    private void Release(BlobId blob)
    {
        if (!_pins.ContainsKey(blob.Value))
        {
            index.ReleaseIfUnreferenced(blob, blobs.Delete);
        }
    }

    private sealed class Lease(ObjectStore store, BlobId blob) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                store.Unpin(blob);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Released blob {BlobId} no longer referenced after update of {Key}")]
    private partial void LogBlobReleased(string blobId, string key);

    [LoggerMessage(Level = LogLevel.Error, Message = "Local copy of {Key} (blob {BlobId}) failed verification and was moved to {QuarantinePath}: {Reason}")]
    private partial void LogQuarantined(string key, string? blobId, string reason, string quarantinePath);
}
