using Microsoft.AspNetCore.Http.Headers;

namespace PeerVault.Node.Api;

/// <summary>
/// The one byte range of a <c>Range: bytes=…</c> header (RFC 9110 §14): <c>a-b</c>, <c>a-</c> or the
/// suffix <c>-n</c>. Several ranges in one request are answered with the whole object, which the
/// RFC allows; a header that does not parse is ignored the same way.
/// </summary>
internal readonly record struct ByteRange(long Start, long Length, bool Satisfiable)
{
    public static ByteRange? From(HttpRequest request, long size)
    {
        if (!request.Headers.ContainsKey("Range"))
        {
            return null;
        }

        var header = new RequestHeaders(request.Headers).Range;
        if (header is null || !string.Equals(header.Unit.Value, "bytes", StringComparison.OrdinalIgnoreCase) || header.Ranges.Count != 1)
        {
            return null;
        }

        var item = header.Ranges.First();
        if (item.From is null)
        {
            var suffix = Math.Min(item.To ?? 0, size);
            return suffix <= 0 ? new ByteRange(0, 0, Satisfiable: false) : new ByteRange(size - suffix, suffix, Satisfiable: true);
        }

        var start = item.From.Value;
        if (start >= size)
        {
            return new ByteRange(0, 0, Satisfiable: false);
        }

        var last = Math.Min(item.To ?? (size - 1), size - 1);
        return new ByteRange(start, last - start + 1, Satisfiable: true);
    }
}
