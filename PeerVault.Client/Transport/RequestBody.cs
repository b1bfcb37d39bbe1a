using System.Net.Http.Headers;

namespace PeerVault.Client.Transport;

/// <summary>
/// An upload's body, streamed to the node as the transport reads it (never buffered), counting
/// what was read so the client knows whether it may be sent again to another endpoint: a seekable
/// source is rewound to where it started, any source the transport never read from is still whole.
/// </summary>
internal sealed class RequestBody(Stream source, long? length)
{
    private readonly long _start = source.CanSeek ? source.Position : 0;

    public long? Length { get; } = length ?? (source.CanSeek ? source.Length - source.Position : null);

    /// <summary>Bytes the transport has read so far in the current attempt.</summary>
    public long BytesRead { get; private set; }

    /// <summary>Whether the body can be sent again from its start.</summary>
    public bool CanReplay => source.CanSeek || BytesRead == 0;

    /// <summary>Content for one attempt; it never disposes the caller's stream.</summary>
    public HttpContent CreateContent()
    {
        if (source.CanSeek && BytesRead > 0)
        {
            source.Position = _start;
        }

        BytesRead = 0;
        var content = new StreamContent(new CountingStream(source, this), 81920);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        content.Headers.ContentLength = Length;
        return content;
    }

    /// <summary>Reads through to the source, counts, and leaves the source open (it is the caller's).</summary>
    private sealed class CountingStream(Stream inner, RequestBody body) : Stream
    {
        public override bool CanRead => true;

        // Not seekable to the transport: it must stream, not buffer or rewind on its own.
        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override int Read(Span<byte> buffer) => Count(inner.Read(buffer));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
            => Count(await inner.ReadAsync(buffer, cancellationToken));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private int Count(int read)
        {
            body.BytesRead += read;
            return read;
        }
    }
}
