using System.Security.Cryptography;

namespace PeerVault.Node.Storage;

/// <summary>
/// A write-only stream into a temporary file that hashes what passes through it. Nothing is
/// visible under <c>blobs/</c> until <see cref="BlobStore.CommitAsync"/> has made it durable and
/// renamed it into place; disposing an uncommitted writer deletes the temporary file.
/// </summary>
public sealed class BlobWriteStream : Stream
{
    private readonly FileStream _file;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    internal BlobWriteStream(string temporaryPath)
    {
        TemporaryPath = temporaryPath;
        _file = new FileStream(temporaryPath, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.Read,
            BufferSize = 0,
            Options = FileOptions.Asynchronous,
        });
    }

    internal string TemporaryPath { get; }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => _file.Length;

    public override long Position
    {
        get => _file.Position;
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _hash.AppendData(buffer);
        _file.Write(buffer);
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        // Not an async method: the file's own ValueTask goes back as it is, so a write that waits
        // for the disk does not allocate a state machine here (one per chunk).
        _hash.AppendData(buffer.Span);
        return _file.WriteAsync(buffer, cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush() => _file.Flush();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>The hash of what was written so far: the blob's id once the last byte is in (the writer carries on).</summary>
    public BlobId CurrentId() => BlobId.FromHash(_hash.GetCurrentHash());

    /// <summary>Hands the bytes to the operating system (not yet durable) and returns their hash; the file is closed afterwards.</summary>
    internal BlobId CloseUnflushed()
    {
        _file.Dispose();
        return BlobId.FromHash(_hash.GetHashAndReset());
    }

    /// <summary>Makes the bytes durable and returns their hash; the file is closed afterwards.</summary>
    internal BlobId FlushToDisk()
    {
        _file.Flush(flushToDisk: true);
        _file.Dispose();
        return BlobId.FromHash(_hash.GetHashAndReset());
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _file.Dispose();
            _hash.Dispose();
            if (File.Exists(TemporaryPath))
            {
                File.Delete(TemporaryPath);
            }
        }

        base.Dispose(disposing);
    }

}
