using System.Buffers;
using System.Security.Cryptography;

namespace PeerVault.Load;

/// <summary>
/// An object's content, defined by a seed and a length rather than held in memory: any range of
/// it can be generated again (for the upload, after its hash was taken), so a client keeps only
/// the SHA-256 of what it wrote.
/// </summary>
internal readonly record struct ContentPattern(ulong Seed, long Length)
{
    private const int BufferSize = 64 << 10;

    public Stream OpenRead() => new PatternStream(this);

    public string Sha256()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            for (long offset = 0; offset < Length; offset += BufferSize)
            {
                var chunk = buffer.AsSpan(0, (int)Math.Min(BufferSize, Length - offset));
                Fill(offset, chunk);
                hash.AppendData(chunk);
            }

            return Convert.ToHexStringLower(hash.GetHashAndReset());
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Writes the bytes at <paramref name="offset"/>: each 8-byte block is a SplitMix64 of the seed and the block's index.</summary>
    public void Fill(long offset, Span<byte> destination)
    {
        var block = offset >> 3;
        var value = Mix(Seed, block);
        var shift = (int)(offset & 7) * 8;
        for (var i = 0; i < destination.Length; i++)
        {
            destination[i] = (byte)(value >> shift);
            shift += 8;
            if (shift == 64)
            {
                shift = 0;
                value = Mix(Seed, ++block);
            }
        }
    }

    private static ulong Mix(ulong seed, long block)
    {
        var z = seed + ((ulong)block * 0x9E3779B97F4A7C15UL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>The pattern as a read-only stream, generated as it is read.</summary>
    private sealed class PatternStream(ContentPattern pattern) : Stream
    {
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => pattern.Length;

        public override long Position
        {
            get => _position;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var count = (int)Math.Min(buffer.Length, pattern.Length - _position);
            pattern.Fill(_position, buffer[..count]);
            _position += count;
            return count;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
            => ValueTask.FromResult(Read(buffer.Span));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            => Task.FromResult(Read(buffer.AsSpan(offset, count)));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
