using System.Buffers;
using System.Globalization;
using System.Text;

namespace PeerVault.Load.Chaos;

/// <summary>
/// Reads a GET's body as it streams and says which write it is: the header line names the write,
/// and every byte after it must be that write's pattern, to the length the header gives. Nothing is
/// held but two buffers.
/// </summary>
internal static class ValueReader
{
    private const int BufferSize = 64 << 10;
    private const int MaxHeader = 512;

    /// <summary>The write's identity, or why the body is no write's content.</summary>
    public readonly record struct Identified(string? Id, string? Invalid);

    public static async Task<Identified> ReadAsync(Stream body, string runId, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        var expected = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            // The header line: at most MaxHeader bytes up to '\n'.
            var filled = 0;
            var newline = -1;
            while (newline < 0 && filled < MaxHeader)
            {
                var read = await body.ReadAsync(buffer.AsMemory(filled, BufferSize - filled), cancellationToken);
                if (read == 0)
                {
                    break;
                }

                newline = Array.IndexOf(buffer, (byte)'\n', filled, read);
                filled += read;
            }

            if (newline < 0 || newline > MaxHeader)
            {
                return new(null, $"no header line; {filled} bytes begin {Printable(buffer.AsSpan(0, Math.Min(filled, 40)))}");
            }

            var fields = Encoding.UTF8.GetString(buffer, 0, newline).Split(' ');
            if (fields is not [WriteValue.Magic, var run, _, var id, var lengthText] || !long.TryParse(lengthText, NumberStyles.None, CultureInfo.InvariantCulture, out var length))
            {
                return new(null, $"malformed header '{Printable(buffer.AsSpan(0, newline))}'");
            }

            if (run != runId)
            {
                return new(null, $"a value of run {run}, not of this run");
            }

            var pattern = new WriteValue(runId, string.Empty, id, length).Pattern;
            long offset = 0;
            var start = newline + 1;
            while (true)
            {
                var count = filled - start;
                if (count > 0)
                {
                    if (offset + count > length)
                    {
                        return new(null, $"longer than the {length} bytes {id} wrote");
                    }

                    pattern.Fill(offset, expected.AsSpan(0, count));
                    var mismatch = buffer.AsSpan(start, count).CommonPrefixLength(expected.AsSpan(0, count));
                    if (mismatch < count)
                    {
                        return new(null, $"byte {offset + mismatch} of the content differs from what {id} wrote");
                    }

                    offset += count;
                }

                filled = await body.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken);
                start = 0;
                if (filled == 0)
                {
                    break;
                }
            }

            return offset == length ? new(id, null) : new(null, $"{offset} bytes of content where {id} wrote {length}");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            ArrayPool<byte>.Shared.Return(expected);
        }
    }

    private static string Printable(ReadOnlySpan<byte> bytes)
    {
        var builder = new StringBuilder();
        foreach (var b in bytes)
        {
            builder.Append(b is >= 0x20 and < 0x7f ? (char)b : '.');
        }

        return builder.ToString();
    }
}
