using System.Security.Cryptography;

namespace PeerVault.Load.Bench;

/// <summary>
/// Passes a generated body through to an upload while hashing it and telling the progress display
/// how far it got: the expected SHA-256 of a large object comes from the upload itself, without a
/// second pass over gigabytes.
/// </summary>
internal sealed class HashingReadStream(Stream inner, Action<int>? progress) : Stream
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => inner.Length;

    public override long Position
    {
        get => inner.Position;
        set => throw new NotSupportedException();
    }

    /// <summary>The SHA-256 of everything read (call once, after the upload, which may have disposed the stream).</summary>
    public string Sha256()
    {
        using (_hash)
        {
            return Convert.ToHexStringLower(_hash.GetHashAndReset());
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var read = inner.Read(buffer);
        _hash.AppendData(buffer[..read]);
        progress?.Invoke(read);
        return read;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken);
        _hash.AppendData(buffer.Span[..read]);
        progress?.Invoke(read);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            // The hash outlives the upload that disposes this stream; Sha256 disposes it.
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
