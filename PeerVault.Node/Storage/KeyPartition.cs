using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace PeerVault.Node.Storage;

/// <summary>
/// Keys fall into <see cref="Count"/> partitions by the top 12 bits of the SHA-256 of their UTF-8
/// bytes. A partition is the unit the cluster places on nodes, compares between replicas (one
/// digest each) and moves when membership changes; storage keeps a digest and a key set per
/// partition so those questions cost nothing to answer.
/// </summary>
public static class KeyPartition
{
    public const int Bits = 12;
    public const int Count = 1 << Bits;

    public static int Of(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var length = Encoding.UTF8.GetByteCount(key);
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var written = Encoding.UTF8.GetBytes(key, buffer);
            Span<byte> hash = stackalloc byte[32];
            SHA256.HashData(buffer.AsSpan(0, written), hash);
            return ((hash[0] << 8) | hash[1]) >> (16 - Bits);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
