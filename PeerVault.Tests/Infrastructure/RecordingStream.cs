namespace PeerVault.Tests.Infrastructure;

/// <summary>Passes everything through and keeps a copy of what was written: a wire capture.</summary>
public sealed class RecordingStream(Stream inner) : Stream
{
    private readonly MemoryStream _written = new();
    private readonly MemoryStream _read = new();

    /// <summary>Every byte read from the other side so far.</summary>
    public byte[] ReadBytes
    {
        get
        {
            lock (_read)
            {
                return _read.ToArray();
            }
        }
    }

    public byte[] Written
    {
        get
        {
            lock (_written)
            {
                return _written.ToArray();
            }
        }
    }

    public override bool CanRead => inner.CanRead;

    public override bool CanSeek => false;

    public override bool CanWrite => inner.CanWrite;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        var read = inner.Read(buffer, offset, count);
        RecordRead(buffer.AsSpan(offset, read));
        return read;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken);
        RecordRead(buffer.Span[..read]);
        return read;
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Record(buffer);
        inner.Write(buffer);
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Record(buffer.Span);
        return inner.WriteAsync(buffer, cancellationToken);
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override void Flush() => inner.Flush();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
            _written.Dispose();
            _read.Dispose();
        }

        base.Dispose(disposing);
    }

    private void RecordRead(ReadOnlySpan<byte> bytes)
    {
        lock (_read)
        {
            _read.Write(bytes);
        }
    }

    private void Record(ReadOnlySpan<byte> bytes)
    {
        lock (_written)
        {
            _written.Write(bytes);
        }
    }
}
