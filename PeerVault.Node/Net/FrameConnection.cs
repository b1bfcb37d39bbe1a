using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;

namespace PeerVault.Node.Net;

/// <summary>
/// A duplex stream seen as frames. Reading is single-consumer (one read loop per connection);
/// writing is serialized by a lock so that request handlers and stream senders can share the
/// connection, each frame going out whole. Until <see cref="Seal"/> only small handshake frames are
/// accepted (an unauthenticated peer cannot make this node hold 1 MiB); afterwards every frame in
/// both directions is sealed by the <see cref="FrameSealer"/>.
/// </summary>
public sealed class FrameConnection : IAsyncDisposable
{
    private readonly Stream _stream;
    private readonly PipeReader _reader;
    private readonly PipeWriter _writer;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    /// <summary>The largest frame payload accepted before the handshake has sealed the connection.</summary>
    public const int MaxHandshakePayloadSize = 1024;

    private FrameSealer? _sealer;
    private int _disposed;

    public FrameConnection(Stream stream)
    {
        _stream = stream;
        _reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 16 * 1024, leaveOpen: true));
        _writer = PipeWriter.Create(stream, new StreamPipeWriterOptions(minimumBufferSize: 64 * 1024, leaveOpen: true));
    }

    /// <summary>Largest body a caller may send once the connection is sealed.</summary>
    public int MaxBodySize => FrameCodec.MaxPayloadSize - (_sealer is null ? 0 : FrameSealer.TagSize);

    /// <summary>Switches both directions to sealed frames. Called once, right after the handshake.</summary>
    public void Seal(FrameSealer sealer) => _sealer = sealer;

    /// <summary>
    /// Reads the next frame, or returns null when the peer closed the connection cleanly between
    /// frames. Throws <see cref="PeerProtocolException"/> for anything malformed, including a
    /// connection that ends in the middle of a frame.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
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
                parsed = FrameCodec.TryReadFrame(ref buffer, _sealer is null ? MaxHandshakePayloadSize : FrameCodec.MaxPayloadSize, out type, out payload);
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
                return Open(frame);
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

    private Frame Open(Frame frame)
    {
        if (_sealer is null)
        {
            return frame;
        }

        var payload = frame.WritablePayload;
        if (payload.Length < FrameSealer.TagSize)
        {
            frame.Dispose();
            throw new PeerProtocolException(RejectReason.BadSeal, $"{frame.Type} frame too short to carry its tag.");
        }

        var bodyLength = payload.Length - FrameSealer.TagSize;
        try
        {
            _sealer.Open(frame.Type, payload[..bodyLength], payload[bodyLength..]);
        }
        catch
        {
            frame.Dispose();
            throw;
        }

        frame.DropTrailer(FrameSealer.TagSize);
        return frame;
    }

    /// <summary>
    /// Sends one frame whose payload is <paramref name="head"/> followed by <paramref name="body"/>.
    /// <paramref name="cancellationToken"/> cancels the wait for the connection; once the frame is
    /// being written it goes out whole.
    /// </summary>
    /// <remarks>Both frame methods run on pooled builders: a frame that waits for the socket reuses a cached state machine instead of allocating one per frame.</remarks>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
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
            if (_sealer is null)
            {
                FrameCodec.WriteHeader(_writer, type, length);
                _writer.Write(head.Span);
                _writer.Write(body.Span);
            }
            else
            {
                // Sealed in place in the pipe's own buffer: one copy of the plaintext, no other.
                FrameCodec.WriteHeader(_writer, type, length + FrameSealer.TagSize);
                var span = _writer.GetSpan(length + FrameSealer.TagSize);
                head.Span.CopyTo(span);
                body.Span.CopyTo(span[head.Length..]);
                _sealer.Seal(type, span[..length], span.Slice(length, FrameSealer.TagSize));
                _writer.Advance(length + FrameSealer.TagSize);
            }

            // Never cancelled: a flush cut off mid-write would leave part of a sealed frame on the
            // wire, and every frame after it would fail to open at the peer (found by the chaos
            // harness: a client's timeout cancelled a fetch while its frames were being sent). A
            // peer that stops reading is cut off by the idle timeout, which disposes the connection
            // and ends this flush.
            var flush = await _writer.FlushAsync(CancellationToken.None);
            if (flush.IsCompleted)
            {
                throw new IOException("The connection is closed.");
            }
        }
        catch (InvalidOperationException ex)
        {
            // The pipe refuses writes once the connection was closed under this writer (a duplicate
            // connection dropped by the tie-break, a peer gone): for the caller that is a closed
            // connection like any other, not a programming error.
            throw new IOException("The connection is closed.", ex);
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
        _sealer?.Dispose();
    }
}
