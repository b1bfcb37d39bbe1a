using System.Security.Cryptography;

namespace PeerVault.Tests.Infrastructure;

/// <summary>
/// <paramref name="length"/> pseudo-random bytes from <paramref name="seed"/> (starting at byte <paramref name="offset"/> of that sequence), generated as they are
/// read, so a test can upload 100 MiB without holding them; <see cref="Sha256"/> gives what the
/// same bytes hash to, to compare a download with, and <see cref="Bytes"/> a slice of them.
/// </summary>
public sealed class PatternStream(long length, int seed, long offset = 0) : Stream
{
    private readonly long _origin = offset;
    private long _position;

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position
    {
        get => _position;
        set => _position = value;
    }

    public static byte ByteAt(long position, int seed)
    {
        var x = unchecked((ulong)position * 0x9E3779B97F4A7C15UL ^ (ulong)seed * 0xBF58476D1CE4E5B9UL);
        x ^= x >> 31;
        x *= 0x94D049BB133111EBUL;
        return (byte)(x >> 56);
    }

    public static byte[] Bytes(long offset, int count, int seed)
    {
        var bytes = new byte[count];
        for (var i = 0; i < count; i++)
        {
            bytes[i] = ByteAt(offset + i, seed);
        }

        return bytes;
    }

    public static string Sha256(long length, int seed)
    {
        using var stream = new PatternStream(length, seed, 0);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        var n = (int)Math.Min(count, length - _position);
        for (var i = 0; i < n; i++)
        {
            buffer[offset + i] = ByteAt(_origin + _position + i, seed);
        }

        _position += n;
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Task.FromResult(Read(buffer, offset, count));

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = (int)Math.Min(buffer.Length, length - _position);
        var span = buffer.Span;
        for (var i = 0; i < n; i++)
        {
            span[i] = ByteAt(_origin + _position + i, seed);
        }

        _position += n;
        return ValueTask.FromResult(n);
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        _position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => length + offset,
        };
        return _position;
    }

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
