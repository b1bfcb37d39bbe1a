using System.Buffers.Binary;
using System.Security.Cryptography;
using PeerVault.Node.Security;

namespace PeerVault.Node.Storage;

/// <summary>
/// The fixed 101-byte header at the start of every sealed object:
/// <code>
/// "PVLT" | version:u8 | keyId:8 | epoch:i64 | chunkSize:u32 | objectSalt:16 | wrapNonce:12 | wrappedDataKey:32 | wrapTag:16
/// </code>
/// The data key is random per object and wrapped (AES-256-GCM) under the key derived from the
/// named cluster key and epoch; everything before the wrap nonce is the wrap's associated data,
/// so a changed key id, epoch, chunk size or salt fails to unwrap. A cluster-key rotation only
/// rewrites this header (new key id, new wrap); the chunks that follow stay as they are.
/// </summary>
public sealed class SealedObjectHeader
{
    public const int Size = 101;
    public const byte FormatVersion = 1;
    public const int SaltSize = 16;
    private const int AuthenticatedPrefixSize = 4 + 1 + ClusterKey.KeyIdSize + 8 + 4 + SaltSize;
    private const string WrapPurpose = "object-wrap";

    private static ReadOnlySpan<byte> Magic => "PVLT"u8;

    private readonly byte[] _bytes;

    private SealedObjectHeader(byte[] bytes) => _bytes = bytes;

    public string KeyId => Convert.ToHexStringLower(_bytes.AsSpan(5, ClusterKey.KeyIdSize));

    public long Epoch => BinaryPrimitives.ReadInt64BigEndian(_bytes.AsSpan(13));

    public int ChunkSize => (int)BinaryPrimitives.ReadUInt32BigEndian(_bytes.AsSpan(21));

    /// <summary>Random per object; bound into every chunk's associated data so chunks cannot move between objects.</summary>
    public ReadOnlySpan<byte> ObjectSalt => _bytes.AsSpan(25, SaltSize);

    public ReadOnlySpan<byte> Bytes => _bytes;

    /// <summary>The header's bytes for an asynchronous write, without a copy.</summary>
    public ReadOnlyMemory<byte> Memory => _bytes;

    /// <summary>Creates a header and its fresh data key (which the caller must zero when done).</summary>
    public static SealedObjectHeader Create(ClusterKey key, long epoch, int chunkSize, out byte[] dataKey)
    {
        var bytes = new byte[Size];
        var span = bytes.AsSpan();
        Magic.CopyTo(span);
        span[4] = FormatVersion;
        key.KeyIdBytes.CopyTo(span[5..]);
        BinaryPrimitives.WriteInt64BigEndian(span[13..], epoch);
        BinaryPrimitives.WriteUInt32BigEndian(span[21..], (uint)chunkSize);
        RandomNumberGenerator.Fill(span.Slice(25, SaltSize));
        var nonce = span.Slice(AuthenticatedPrefixSize, 12);
        RandomNumberGenerator.Fill(nonce);

        dataKey = RandomNumberGenerator.GetBytes(32);
        var kek = key.DeriveKey(WrapPurpose, epoch);
        using (var aes = new AesGcm(kek, 16))
        {
            aes.Encrypt(nonce, dataKey, span.Slice(AuthenticatedPrefixSize + 12, 32), span.Slice(AuthenticatedPrefixSize + 44, 16), span[..AuthenticatedPrefixSize]);
        }

        CryptographicOperations.ZeroMemory(kek);
        return new SealedObjectHeader(bytes);
    }

    /// <summary>Checks the layout; does not need any key.</summary>
    public static SealedObjectHeader Parse(ReadOnlySpan<byte> bytes)
    {
        // A short input is refused by Adopt's layout check, as a bad magic is.
        return Adopt(bytes[..Math.Min(bytes.Length, Size)].ToArray());
    }

    /// <summary>As <see cref="Parse"/>, keeping <paramref name="bytes"/> (exactly <see cref="Size"/> long, not to be changed afterwards) instead of a copy.</summary>
    internal static SealedObjectHeader Adopt(byte[] bytes)
    {
        CheckLayout(bytes);
        if (bytes.Length != Size)
        {
            throw new ArgumentException($"A sealed object header is exactly {Size} bytes.", nameof(bytes));
        }

        var header = new SealedObjectHeader(bytes);
        if (header.ChunkSize is < ObjectCipher.MinChunkSize or > ObjectCipher.MaxChunkSize)
        {
            throw new ObjectIntegrityException($"Sealed object declares an invalid chunk size {header.ChunkSize}.");
        }

        return header;
    }

    private static void CheckLayout(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < Size || !bytes[..4].SequenceEqual(Magic))
        {
            throw new ObjectIntegrityException("Not a PeerVault sealed object (bad magic).");
        }

        if (bytes[4] != FormatVersion)
        {
            throw new ObjectIntegrityException($"Unsupported sealed object format version {bytes[4]}.");
        }
    }

    /// <summary>Recovers the data key with whichever key of the ring sealed this object.</summary>
    public byte[] UnwrapDataKey(KeyRing keys)
    {
        if (!keys.TryGet(KeyId, out var key))
        {
            throw new KeyMismatchException(KeyId, keys.Current.KeyId);
        }

        var kek = key.DeriveKey(WrapPurpose, Epoch);
        var dataKey = new byte[32];
        try
        {
            using var aes = new AesGcm(kek, 16);
            var span = _bytes.AsSpan();
            aes.Decrypt(span.Slice(AuthenticatedPrefixSize, 12), span.Slice(AuthenticatedPrefixSize + 12, 32), span.Slice(AuthenticatedPrefixSize + 44, 16), dataKey, span[..AuthenticatedPrefixSize]);
            return dataKey;
        }
        catch (AuthenticationTagMismatchException)
        {
            throw new ObjectIntegrityException($"Object header failed authentication under key {KeyId}, epoch {Epoch}: it was altered or sealed with another key.");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(kek);
        }
    }
}
