using System.Globalization;
using System.Text;

namespace PeerVault.Load.Chaos;

/// <summary>
/// The body of one PUT, recognisable from the body alone: a header line
/// <c>pvchaos RUN KEY ID LENGTH\n</c> naming the run, the key, the write's identity
/// (<c>client.sequence</c>) and the length of what follows, then <see cref="ContentPattern"/> bytes
/// seeded by the identity. Generated as it is sent, never held, so a 32 MiB value costs a buffer.
/// </summary>
internal sealed record WriteValue(string RunId, string Key, string Id, long PatternLength)
{
    public const string Magic = "pvchaos";

    public byte[] Header { get; } = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{Magic} {RunId} {Key} {Id} {PatternLength}\n"));

    public long Length => Header.Length + PatternLength;

    public ContentPattern Pattern => new(SeedOf(RunId, Id), PatternLength);

    public Stream OpenRead() => new ConcatenatedStream(new MemoryStream(Header, writable: false), Pattern.OpenRead());

    /// <summary>FNV-1a of the run and the identity: the same bytes every time the value is generated or checked.</summary>
    public static ulong SeedOf(string runId, string id)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in $"{runId}/{id}")
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        return hash;
    }

    /// <summary>The header first, then the pattern.</summary>
    private sealed class ConcatenatedStream(Stream first, Stream second) : Stream
    {
        private bool _firstDone;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => first.Length + second.Length;

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (!_firstDone)
            {
                var read = first.Read(buffer);
                if (read > 0)
                {
                    return read;
                }

                _firstDone = true;
            }

            return second.Read(buffer);
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

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                first.Dispose();
                second.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
