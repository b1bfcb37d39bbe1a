using System.Diagnostics.CodeAnalysis;

namespace PeerVault.Node.Storage;

/// <summary>
/// The SHA-256 of a sealed object's bytes, as 64 lower-case hex characters. It names the blob
/// on disk (<c>blobs/ab/cd/abcd…</c>), so one that came over the wire is parsed, never trusted.
/// </summary>
public readonly record struct BlobId
{
    public const int HexLength = 64;

    private BlobId(string value) => Value = value;

    public string Value { get; }

    public static BlobId FromHash(ReadOnlySpan<byte> sha256) => new(Convert.ToHexStringLower(sha256));

    public static bool TryParse([NotNullWhen(true)] string? value, out BlobId id)
    {
        id = default;
        if (value is null || value.Length != HexLength || !value.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f'))
        {
            return false;
        }

        id = new BlobId(value);
        return true;
    }

    public static BlobId Parse(string? value)
        => TryParse(value, out var id) ? id : throw new FormatException("A blob id is 64 lower-case hex characters.");

    public override string ToString() => Value;
}
