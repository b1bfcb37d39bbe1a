using System.Buffers;
using System.IO.Pipelines;

namespace PeerVault.Node.Net;

/// <summary>
/// A duplex stream seen as frames. Reading is single-consumer (one read loop per connection);
/// writing is serialized by a lock so that request handlers and stream senders can share the
/// connection, each frame going out whole. After <see cref="Protect"/>, every frame in both
/// directions carries a MAC tag.
/// </summary>
public sealed class FrameConnection : IAsyncDisposable
{
    private readonly Stream _stream;
    private readonly PipeReader _reader;
    private readonly PipeWriter _writer;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private FrameProtector? _protector;
    private int _disposed;

    public FrameConnection(Stream stream)
    {
        _stream = stream;
        _reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 16 * 1024, leaveOpen: true));
        _writer = PipeWriter.Create(stream, new StreamPipeWriterOptions(minimumBufferSize: 64 * 1024, leaveOpen: true));
    }

    /// <summary>Largest body a caller may send once the connection is protected.</summary>
    public int MaxBodySize => FrameCodec.MaxPayloadSize - (_protector is null ? 0 : FrameProtector.TagSize);

    /// <summary>Switches both directions to MAC-protected frames. Called once, right after the handshake.</summary>
    public void Protect(FrameProtector protector) => _protector = protector;

    /// <summary>
    /// Reads the next frame, or returns null when the peer closed the connection cleanly between
    /// frames. Throws <see cref="PeerProtocolException"/> for anything malformed, including a
    /// connection that ends in the middle of a frame.
    /// </summary>
    public async ValueTask<Frame?> ReadFrameAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await _reader.ReadAsync(cancellationToken);
            if (result.IsCanceled)
            {
                throw new OperationCanceledException("The connection is closing.");
            }

            var buffer = result.Buffer;
            bool parsed;
            FrameType type;
            ReadOnlySequence<byte> payload;
            try
            {
                parsed = FrameCodec.TryReadFrame(ref buffer, out type, out payload);
            }
            catch
            {
                _reader.AdvanceTo(buffer.Start, buffer.End);
                throw;
            }

            if (parsed)
            {
                var frame = Frame.Rent(type, payload);
                // Consumed and examined only this frame: bytes of the next one stay to be parsed
                // by the next call without waiting for the network.
                _reader.AdvanceTo(buffer.Start);
                return Unprotect(frame);
            }

            // A partial frame: examined everything, so the next read waits for more bytes.
            _reader.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                if (buffer.IsEmpty)
                {
                    return null;
                }

                throw new PeerProtocolException(RejectReason.Truncated, $"Connection closed {buffer.Length} bytes into a frame.");
            }
        }
    }

    private Frame Unprotect(Frame frame)
    {
        if (_protector is null)
        {
            return frame;
        }

        var payload = frame.Payload.Span;
        if (payload.Length < FrameProtector.TagSize)
        {
            frame.Dispose();
            throw new PeerProtocolException(RejectReason.BadMac, $"{frame.Type} frame too short to carry its integrity tag.");
        }

        var bodyLength = payload.Length - FrameProtector.TagSize;
        try
        {
            _protector.Verify(frame.Type, payload[..bodyLength], payload[bodyLength..]);
        }
        catch
        {
            frame.Dispose();
            throw;
        }

        return frame.WithoutTrailer(FrameProtector.TagSize);
    }

    /// <summary>Sends one frame whose payload is <paramref name="head"/> followed by <paramref name="body"/>.</summary>
    public async ValueTask WriteFrameAsync(FrameType type, ReadOnlyMemory<byte> head, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        var length = head.Length + body.Length;
        if (length > MaxBodySize)
        {
            throw new ArgumentOutOfRangeException(nameof(body), length, $"Frame body exceeds {MaxBodySize} bytes.");
        }

        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            var tagSize = _protector is null ? 0 : FrameProtector.TagSize;
            FrameCodec.WriteHeader(_writer, type, length + tagSize);
            _writer.Write(head.Span);
            _writer.Write(body.Span);
            if (_protector is not null)
            {
                var tag = _writer.GetSpan(tagSize);
                _protector.Sign(type, head.Span, body.Span, tag);
                _writer.Advance(tagSize);
            }

            var flush = await _writer.FlushAsync(cancellationToken);
            if (flush.IsCompleted)
            {
                throw new IOException("The connection is closed.");
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public ValueTask WriteFrameAsync(FrameType type, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
        => WriteFrameAsync(type, payload, ReadOnlyMemory<byte>.Empty, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // The read loop owns the reader; wake it up rather than completing the reader under it.
        _reader.CancelPendingRead();
        // Take the write lock so an in-flight frame is never cut in half by disposal.
        var locked = await _writeLock.WaitAsync(TimeSpan.FromSeconds(2));
        try
        {
            await _writer.CompleteAsync();
        }
        catch (IOException)
        {
            // The peer is already gone; nothing left to flush.
        }
        finally
        {
            if (locked)
            {
                _writeLock.Release();
            }
        }

        await _stream.DisposeAsync();
        _protector?.Dispose();
    }
}
