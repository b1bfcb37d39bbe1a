namespace PeerVault.Node.Storage;

/// <summary>
/// Sealed bytes on their way to a reader (the cipher verifying them, perhaps decrypting them for a
/// client), copied into a temporary blob as they pass, so a replica is written in the same pass
/// that verifies it: no second read of the data, no staging before the reader gets its first byte.
/// Each read's bytes are written while the reader works on them and the write is awaited before the
/// next read, so at most one read's bytes are in flight and the reader must not change the bytes a
/// read returned until it reads again (<see cref="ObjectCipher"/> never does). A write that fails
/// ends the copy, never the reads: the reader carries on and <see cref="ObjectStore.KeepCopyAsync"/>
/// then throws the failure. Nothing is visible in the store until that call commits the blob;
/// disposing an uncommitted copy deletes the temporary file. The inner stream stays the caller's.
/// </summary>
public sealed class ReplicaCopyStream : Stream
{
    private readonly Stream _inner;
    private Task _pendingWrite = Task.CompletedTask;

    internal ReplicaCopyStream(IndexEntry announced, Stream inner, BlobWriteStream writer)
    {
        Announced = announced;
        _inner = inner;
        Writer = writer;
    }

    /// <summary>The entry the copied bytes are announced as (its blob id, sizes).</summary>
    public IndexEntry Announced { get; }

    /// <summary>The first write failure, after which nothing more is copied.</summary>
    public Exception? Failure { get; private set; }

    /// <summary>Whether a read found the end of the inner stream (so the copy holds all of it).</summary>
    public bool ReachedEnd { get; private set; }

    internal BlobWriteStream Writer { get; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await FinishWriteAsync();
        var read = await _inner.ReadAsync(buffer, cancellationToken);
        if (read == 0)
        {
            ReachedEnd = buffer.Length > 0;
        }
        else if (Failure is null)
        {
            // Hashing and writing run beside the reader's decryption and its client's write.
            var bytes = buffer[..read];
            _pendingWrite = Task.Run(async () => await Writer.WriteAsync(bytes, CancellationToken.None), CancellationToken.None);
        }

        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>Waits for the last read's bytes to be written; a failure is kept, not thrown.</summary>
    internal async Task FinishWriteAsync()
    {
        try
        {
            await _pendingWrite;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            Failure ??= ex;
        }
        finally
        {
            _pendingWrite = Task.CompletedTask;
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("Read asynchronously.");

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override async ValueTask DisposeAsync()
    {
        // The writer may not go while a write still uses it.
        await FinishWriteAsync();
        await Writer.DisposeAsync();
        await base.DisposeAsync();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            FinishWriteAsync().GetAwaiter().GetResult();
            Writer.Dispose();
        }

        base.Dispose(disposing);
    }
}
