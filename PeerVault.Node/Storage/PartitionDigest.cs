using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace PeerVault.Node.Storage;

/// <summary>
/// A 128-bit summary of the (key, version, deleted, blob) entries of one partition: the XOR of each
/// entry's truncated SHA-256. XOR makes it order-independent and updatable in O(1) as entries
/// change, so two replicas compare a partition by comparing 16 bytes. Equal digests mean equal
/// contents (up to a 2^-128 chance); different ones say which partitions need their entries compared.
/// </summary>
public readonly record struct PartitionDigest(ulong High, ulong Low)
{
    public const int Size = 16;

    public static PartitionDigest Empty => default;

    public bool IsEmpty => High == 0 && Low == 0;

    public PartitionDigest Xor(PartitionDigest other) => new(High ^ other.High, Low ^ other.Low);

    public static PartitionDigest Of(IndexEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var keyLength = Encoding.UTF8.GetByteCount(entry.Key);
        var length = keyLength + ObjectVersion.ByteLength + 1 + (entry.BlobId?.Length ?? 0);
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var span = buffer.AsSpan(0, length);
            Encoding.UTF8.GetBytes(entry.Key, span);
            entry.Version.WriteBytes(span[keyLength..]);
            span[keyLength + ObjectVersion.ByteLength] = entry.Deleted ? (byte)1 : (byte)0;
            if (entry.BlobId is { } blob)
            {
                Encoding.ASCII.GetBytes(blob, span[(keyLength + ObjectVersion.ByteLength + 1)..]);
            }

            Span<byte> hash = stackalloc byte[32];
            SHA256.HashData(span, hash);
            return new PartitionDigest(BinaryPrimitives.ReadUInt64BigEndian(hash), BinaryPrimitives.ReadUInt64BigEndian(hash[8..]));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public override string ToString() => $"{High:x16}{Low:x16}";

    public static bool TryParse(string? text, out PartitionDigest digest)
    {
        digest = default;
        if (text is not { Length: 32 }
            || !ulong.TryParse(text.AsSpan(0, 16), System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out var high)
            || !ulong.TryParse(text.AsSpan(16), System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out var low))
        {
            return false;
        }

        digest = new PartitionDigest(high, low);
        return true;
    }
}
