namespace PeerVault.Client.Transport;

/// <summary>
/// A download's body as the caller reads it: passes bytes through and turns an early end (the
/// node aborted the response, or the connection broke, before the announced length) into a
/// <see cref="PeerVaultIntegrityException"/> that says how far it got.
/// </summary>
internal sealed class ObjectContentStream(Stream inner, string key, long? expected, Uri endpoint) : Stream
{
    private long _received;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => expected ?? throw new NotSupportedException();

    public override long Position
    {
        get => _received;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int read;
        try
        {
            read = inner.Read(buffer);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
            throw CutShort(ex.Message, ex);
        }

        return Check(read, buffer.Length);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int read;
        try
        {
            read = await inner.ReadAsync(buffer, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException && !cancellationToken.IsCancellationRequested)
        {
            throw CutShort(Innermost(ex), ex);
        }

        return Check(read, buffer.Length);
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
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync();
        await base.DisposeAsync();
    }

    private int Check(int read, int asked)
    {
        _received += read;
        if (read == 0 && asked > 0 && expected is { } length && _received < length)
        {
            throw CutShort($"{length} bytes were announced", null);
        }

        return read;
    }

    private PeerVaultIntegrityException CutShort(string why, Exception? inner) => new(
        $"The download of '{key}' stopped after {_received} bytes ({why}): the node cuts a response when a copy fails verification mid-stream, or the connection broke.",
        status: null,
        problem: null,
        endpoint,
        inner);

    internal static string Innermost(Exception ex)
    {
        var innermost = ex;
        while (innermost.InnerException is not null)
        {
            innermost = innermost.InnerException;
        }

        return innermost.Message;
    }
}
