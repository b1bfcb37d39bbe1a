namespace PeerVault.Node.Storage;

/// <summary>
/// The order keys are listed in: by Unicode code point, which is the order of their UTF-8 bytes
/// (as S3 lists) and the order the index's database keeps them in (SQLite compares text as UTF-8
/// bytes). <see cref="string.CompareOrdinal(string, string)"/> differs from it only where a
/// supplementary character (a surrogate pair) meets a character from U+E000 to U+FFFF: the
/// comparison below moves surrogates above that range before comparing code units.
/// </summary>
public sealed class KeyOrder : IComparer<string>
{
    public static KeyOrder Instance { get; } = new();

    public int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }

        if (x is null || y is null)
        {
            return x is null ? -1 : 1;
        }

        // Vectorised search for the first difference; only that one code unit needs the fix-up.
        var common = x.AsSpan().CommonPrefixLength(y);
        return common < x.Length && common < y.Length
            ? Fixup(x[common]) - Fixup(y[common])
            : x.Length - y.Length;
    }

    /// <summary>Surrogates (D800-DFFF) go above E000-FFFF; everything from E000 up shifts down to make room.</summary>
    private static int Fixup(char c) => c >= 0xE000 ? c - 0x800 : c >= 0xD800 ? c + 0x2000 : c;
}
