namespace PeerVault.Fuzz.Harnesses;

/// <summary>
/// The far end of a connection as a script: whenever the reader has taken every byte so far, the
/// script is asked for more, given everything the near end has written until then (so it can
/// answer what it was sent); null ends the stream. Everything completes synchronously, so a run
/// is deterministic and a script that stops sending ends the connection instead of hanging.
/// </summary>
internal sealed class ScriptedStream(Func<ReadOnlyMemory<byte>, byte[]?> next, int step) : Stream
{
    private readonly MemoryStream _written = new();
    private byte[] _pending = [];
    private int _position;
    private bool _ended;

    /// <summary>A far end that sends <paramref name="bytes"/>, <paramref name="step"/> bytes a read, then closes.</summary>
    public static ScriptedStream Of(byte[] bytes, int step)
    {
        var sent = false;
        return new ScriptedStream(
            _ =>
            {
                if (sent)
                {
                    return null;
                }

                sent = true;
                return bytes;
            },
            step);
    }

    public ReadOnlyMemory<byte> Written => _written.GetBuffer().AsMemory(0, (int)_written.Length);

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        while (_position == _pending.Length)
        {
            if (_ended || next(Written) is not { } more)
            {
                _ended = true;
                return 0;
            }

            _pending = more;
            _position = 0;
        }

        var n = Math.Min(Math.Min(step, buffer.Length), _pending.Length - _position);
        _pending.AsSpan(_position, n).CopyTo(buffer);
        _position += n;
        return n;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        => ValueTask.FromResult(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => Task.FromResult(Read(buffer.AsSpan(offset, count)));

    public override void Write(byte[] buffer, int offset, int count) => _written.Write(buffer, offset, count);

    public override void Write(ReadOnlySpan<byte> buffer) => _written.Write(buffer);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        _written.Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        _written.Write(buffer, offset, count);
        return Task.CompletedTask;
    }

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
