using System.Buffers;

namespace PeerVault.Node.Net;

/// <summary>
/// One received frame whose payload lives in a pooled buffer; dispose it to hand the buffer back.
/// The payload is copied out of the pipe once so a frame can outlive the read loop's turn
/// (stream data is handed to another task), and the copy is at most 1 MiB.
/// </summary>
public sealed class Frame : IDisposable
{
    private byte[]? _buffer;
    private int _length;

    internal Frame(FrameType type, byte[] buffer, int length)
    {
        Type = type;
        _buffer = buffer;
        _length = length;
    }

    public FrameType Type { get; }

    public ReadOnlyMemory<byte> Payload => (_buffer ?? throw new ObjectDisposedException(nameof(Frame))).AsMemory(0, _length);

    /// <summary>The payload as writable memory, for opening a sealed frame in place.</summary>
    internal Span<byte> WritablePayload => (_buffer ?? throw new ObjectDisposedException(nameof(Frame))).AsSpan(0, _length);

    internal static Frame Rent(FrameType type, in ReadOnlySequence<byte> payload)
    {
        var length = checked((int)payload.Length);
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        payload.CopyTo(buffer);
        return new Frame(type, buffer, length);
    }

    /// <summary>Drops the trailing seal tag once the frame has been opened (in place: no second object per frame).</summary>
    internal void DropTrailer(int trailerLength)
    {
        ObjectDisposedException.ThrowIf(_buffer is null, this);
        _length -= trailerLength;
    }

    public void Dispose()
    {
        var buffer = Interlocked.Exchange(ref _buffer, null);
        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
