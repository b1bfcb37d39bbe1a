using System.Globalization;
using System.Net.Http.Headers;

namespace PeerVault.Client;

/// <summary>
/// One byte range of an object, inclusive, as HTTP's <c>Range: bytes=…</c> has it:
/// <see cref="Between"/> (<c>first-last</c>), <see cref="StartingAt"/> (<c>first-</c>) or
/// <see cref="Last"/> (<c>-count</c>, the last bytes).
/// </summary>
public readonly record struct ObjectRange
{
    private ObjectRange(long? first, long? last)
    {
        First = first;
        LastByte = last;
    }

    /// <summary>The first byte, or null for a suffix range.</summary>
    public long? First { get; }

    /// <summary>The last byte (inclusive), or for a suffix range how many bytes from the end; null: to the end.</summary>
    public long? LastByte { get; }

    public static ObjectRange Between(long first, long last)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(first);
        ArgumentOutOfRangeException.ThrowIfLessThan(last, first);
        return new(first, last);
    }

    public static ObjectRange StartingAt(long first)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(first);
        return new(first, null);
    }

    public static ObjectRange Last(long count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        return new(null, count);
    }

    /// <summary>Parses <c>first-last</c>, <c>first-</c> or <c>-count</c> (what <c>peervault get --range</c> takes).</summary>
    public static bool TryParse(string? text, out ObjectRange range)
    {
        range = default;
        var dash = text?.IndexOf('-', StringComparison.Ordinal) ?? -1;
        if (text is null || dash < 0)
        {
            return false;
        }

        var (left, right) = (text[..dash], text[(dash + 1)..]);
        static bool Number(string s, out long n) => long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out n);
        if (left.Length == 0)
        {
            if (Number(right, out var count) && count > 0)
            {
                range = Last(count);
                return true;
            }

            return false;
        }

        if (!Number(left, out var first))
        {
            return false;
        }

        if (right.Length == 0)
        {
            range = StartingAt(first);
            return true;
        }

        if (Number(right, out var last) && last >= first)
        {
            range = Between(first, last);
            return true;
        }

        return false;
    }

    internal RangeHeaderValue ToHeader() => new(First, LastByte);

    public override string ToString() => $"{First?.ToString(CultureInfo.InvariantCulture)}-{LastByte?.ToString(CultureInfo.InvariantCulture)}";
}
