using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using PeerVault.Node.Security;

namespace PeerVault.Node.Storage;

/// <summary>
/// Seals a plaintext stream into the PeerVault object format and opens it again, one chunk at a
/// time with pooled buffers, so memory use is bounded by the chunk size whatever the object size.
/// After the <see cref="SealedObjectHeader"/> come chunk records
/// <c>[flags:u8][length:u32][ciphertext:length][tag:16]</c>, AES-256-GCM under the object's data
/// key with nonce = chunk index and associated data <c>objectSalt ‖ index:u64 ‖ flags</c>. The
/// final chunk carries flag 1: a stream that ends without it was truncated, chunks that moved
/// fail their tag, and bytes after it are refused.
/// </summary>
public sealed class ObjectCipher(KeyRing keys, int chunkSize = ObjectCipher.DefaultChunkSize)
{
    public const int MinChunkSize = 64 * 1024;
    public const int DefaultChunkSize = 256 * 1024;
    public const int MaxChunkSize = 1024 * 1024;
    public const int TagSize = 16;
    public const int RecordPrefixSize = 5;
    private const byte FinalFlag = 1;

    public int ChunkSize { get; } = chunkSize is >= MinChunkSize and <= MaxChunkSize
        ? chunkSize
        : throw new ArgumentOutOfRangeException(nameof(chunkSize), chunkSize, $"Chunk size must be between {MinChunkSize} and {MaxChunkSize} bytes.");

    /// <summary>Size on disk of a sealed object holding <paramref name="plaintextLength"/> bytes.</summary>
    public static long SealedLength(long plaintextLength, int chunkSize)
    {
        var chunks = Math.Max(1, (plaintextLength + chunkSize - 1) / chunkSize);
        return SealedObjectHeader.Size + plaintextLength + (chunks * (RecordPrefixSize + TagSize));
    }

    /// <summary>Seals <paramref name="plaintext"/> into <paramref name="sealedOutput"/>; returns the plaintext length.</summary>
    public async Task<long> SealAsync(Stream plaintext, Stream sealedOutput, CancellationToken cancellationToken)
    {
        var header = SealedObjectHeader.Create(keys.Current, keys.Epochs.Current, ChunkSize, out var dataKey);
        await sealedOutput.WriteAsync(header.Memory, cancellationToken);

        // Two plaintext buffers: a chunk is only known to be final once the next read comes back empty.
        var current = ArrayPool<byte>.Shared.Rent(ChunkSize);
        var next = ArrayPool<byte>.Shared.Rent(ChunkSize);
        var record = ArrayPool<byte>.Shared.Rent(RecordPrefixSize + ChunkSize + TagSize);
        try
        {
            using var aes = new AesGcm(dataKey, TagSize);
            long total = 0;
            ulong index = 0;
            var currentLength = await StreamReads.FillAsync(plaintext, current.AsMemory(0, ChunkSize), cancellationToken);
            while (true)
            {
                var nextLength = currentLength == ChunkSize
                    ? await StreamReads.FillAsync(plaintext, next.AsMemory(0, ChunkSize), cancellationToken)
                    : 0;
                var final = nextLength == 0;
                var recordLength = EncryptChunk(aes, header.ObjectSalt, index, final, current.AsSpan(0, currentLength), record);
                await sealedOutput.WriteAsync(record.AsMemory(0, recordLength), cancellationToken);
                total += currentLength;
                if (final)
                {
                    return total;
                }

                (current, next) = (next, current);
                currentLength = nextLength;
                index++;
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
            ArrayPool<byte>.Shared.Return(current, clearArray: true);
            ArrayPool<byte>.Shared.Return(next, clearArray: true);
            ArrayPool<byte>.Shared.Return(record);
        }
    }

    /// <summary>
    /// Verifies and decrypts <paramref name="sealedInput"/> into <paramref name="plaintextOutput"/>,
    /// chunk by chunk; returns the plaintext length. Nothing unauthenticated is ever written out.
    /// </summary>
    public async Task<long> OpenAsync(Stream sealedInput, Stream plaintextOutput, CancellationToken cancellationToken)
    {
        var (header, dataKey) = await ReadHeaderAsync(sealedInput, cancellationToken);
        return await DecryptChunksAsync(sealedInput, header, dataKey, firstChunk: 0, offset: 0, count: long.MaxValue, plaintextOutput, cancellationToken);
    }

    /// <summary>
    /// Decrypts only bytes <paramref name="offset"/> to <paramref name="offset"/>+<paramref name="count"/>
    /// of the plaintext, seeking straight to the chunk that holds the first of them (every chunk but
    /// the last is exactly the chunk size). The chunks it reads are verified as in <see cref="OpenAsync"/>.
    /// </summary>
    public Task<long> OpenRangeAsync(Stream sealedInput, long offset, long count, Stream plaintextOutput, CancellationToken cancellationToken)
        => OpenRangeAsync(sealedInput, chunksOmitted: 0, offset, count, plaintextOutput, cancellationToken);

    /// <summary>
    /// As <see cref="OpenRangeAsync(Stream, long, long, Stream, CancellationToken)"/>, for a sealed
    /// stream from which a peer left out the first <paramref name="chunksOmitted"/> chunk records
    /// (a range read: the header, then the chunks from the one holding <paramref name="offset"/>).
    /// Every chunk is still checked under its own index, so a peer that sends other chunks fails.
    /// </summary>
    public async Task<long> OpenRangeAsync(Stream sealedInput, long chunksOmitted, long offset, long count, Stream plaintextOutput, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sealedInput);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfNegative(chunksOmitted);
        var (header, dataKey) = await ReadHeaderAsync(sealedInput, cancellationToken);
        var firstChunk = offset / header.ChunkSize;
        if (chunksOmitted > firstChunk)
        {
            CryptographicOperations.ZeroMemory(dataKey);
            throw new ObjectIntegrityException($"The range starts in chunk {firstChunk} but the sender left out {chunksOmitted} chunks.");
        }

        var skip = (firstChunk - chunksOmitted) * (RecordPrefixSize + header.ChunkSize + TagSize);
        if (sealedInput.CanSeek && chunksOmitted == 0)
        {
            sealedInput.Seek(SealedObjectHeader.Size + skip, SeekOrigin.Begin);
        }
        else
        {
            // Streamed from a peer: the chunks before the range still have to go by.
            await SkipAsync(sealedInput, skip, cancellationToken);
        }

        return await DecryptChunksAsync(sealedInput, header, dataKey, (ulong)firstChunk, offset, count, plaintextOutput, cancellationToken);
    }

    private async Task<(SealedObjectHeader Header, byte[] DataKey)> ReadHeaderAsync(Stream sealedInput, CancellationToken cancellationToken)
    {
        var headerBytes = new byte[SealedObjectHeader.Size];
        if (await StreamReads.FillAsync(sealedInput, headerBytes, cancellationToken) < headerBytes.Length)
        {
            throw Truncated("header");
        }

        var header = SealedObjectHeader.Adopt(headerBytes);
        return (header, header.UnwrapDataKey(keys));
    }

    /// <summary>Decrypts from chunk <paramref name="firstChunk"/> on, writing the plaintext that falls in [offset, offset+count).</summary>
    private static async Task<long> DecryptChunksAsync(Stream sealedInput, SealedObjectHeader header, byte[] dataKey, ulong firstChunk, long offset, long count, Stream plaintextOutput, CancellationToken cancellationToken)
    {
        var end = count == long.MaxValue ? long.MaxValue : offset + count;
        var wholeObject = firstChunk == 0 && offset == 0 && end == long.MaxValue;
        var record = ArrayPool<byte>.Shared.Rent(RecordPrefixSize + header.ChunkSize + TagSize);
        var plain = ArrayPool<byte>.Shared.Rent(header.ChunkSize);
        try
        {
            using var aes = new AesGcm(dataKey, TagSize);
            long written = 0;
            for (var index = firstChunk; ; index++)
            {
                // The chunk's name is formatted only when it is missing: a string per chunk is garbage per chunk.
                if (await StreamReads.FillAsync(sealedInput, record.AsMemory(0, RecordPrefixSize), cancellationToken) < RecordPrefixSize)
                {
                    throw Truncated($"chunk {index}");
                }

                var flags = record[0];
                var length = (int)Math.Min(BinaryPrimitives.ReadUInt32BigEndian(record.AsSpan(1)), int.MaxValue);
                var final = flags == FinalFlag;
                if (flags > FinalFlag || length > header.ChunkSize || (!final && length != header.ChunkSize))
                {
                    throw new ObjectIntegrityException($"Chunk {index} has an invalid record prefix.");
                }

                if (await StreamReads.FillAsync(sealedInput, record.AsMemory(RecordPrefixSize, length + TagSize), cancellationToken) < length + TagSize)
                {
                    throw Truncated($"chunk {index}");
                }

                DecryptChunk(aes, header.ObjectSalt, index, final, record.AsSpan(RecordPrefixSize, length), record.AsSpan(RecordPrefixSize + length, TagSize), plain.AsSpan(0, length));

                var chunkStart = (long)index * header.ChunkSize;
                var from = (int)Math.Clamp(offset - chunkStart, 0, length);
                var to = (int)Math.Clamp(end - chunkStart, 0, length);
                await plaintextOutput.WriteAsync(plain.AsMemory(from, to - from), cancellationToken);
                written += to - from;
                if (final)
                {
                    if (wholeObject && await sealedInput.ReadAsync(record.AsMemory(0, 1), cancellationToken) != 0)
                    {
                        throw new ObjectIntegrityException("Sealed object has bytes after its final chunk.");
                    }

                    return written;
                }

                if (chunkStart + length >= end)
                {
                    return written;
                }
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
            ArrayPool<byte>.Shared.Return(record);
            ArrayPool<byte>.Shared.Return(plain, clearArray: true);
        }
    }

    /// <summary>Record size of every chunk but the last, for a given chunk size.</summary>
    public static long RecordLength(int chunkSize) => RecordPrefixSize + chunkSize + TagSize;

    /// <summary>Checks a whole sealed object without keeping the plaintext.</summary>
    public Task<long> VerifyAsync(Stream sealedInput, CancellationToken cancellationToken)
        => OpenAsync(sealedInput, Stream.Null, cancellationToken);

    private static int EncryptChunk(AesGcm aes, ReadOnlySpan<byte> salt, ulong index, bool final, ReadOnlySpan<byte> plaintext, Span<byte> record)
    {
        var flags = final ? FinalFlag : (byte)0;
        record[0] = flags;
        BinaryPrimitives.WriteUInt32BigEndian(record[1..], (uint)plaintext.Length);
        Span<byte> nonce = stackalloc byte[12];
        Span<byte> associated = stackalloc byte[SealedObjectHeader.SaltSize + 9];
        Describe(salt, index, flags, nonce, associated);
        aes.Encrypt(nonce, plaintext, record.Slice(RecordPrefixSize, plaintext.Length), record.Slice(RecordPrefixSize + plaintext.Length, TagSize), associated);
        return RecordPrefixSize + plaintext.Length + TagSize;
    }

    private static void DecryptChunk(AesGcm aes, ReadOnlySpan<byte> salt, ulong index, bool final, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext)
    {
        Span<byte> nonce = stackalloc byte[12];
        Span<byte> associated = stackalloc byte[SealedObjectHeader.SaltSize + 9];
        Describe(salt, index, final ? FinalFlag : (byte)0, nonce, associated);
        try
        {
            aes.Decrypt(nonce, ciphertext, tag, plaintext, associated);
        }
        catch (AuthenticationTagMismatchException)
        {
            CryptographicOperations.ZeroMemory(plaintext);
            throw new ObjectIntegrityException($"Chunk {index} failed authentication: the object was altered, reordered, truncated or spliced.");
        }
    }

    private static void Describe(ReadOnlySpan<byte> salt, ulong index, byte flags, Span<byte> nonce, Span<byte> associated)
    {
        // The data key is unique per object, so the chunk index alone makes every nonce unique.
        nonce[..4].Clear();
        BinaryPrimitives.WriteUInt64BigEndian(nonce[4..], index);
        salt.CopyTo(associated);
        BinaryPrimitives.WriteUInt64BigEndian(associated[SealedObjectHeader.SaltSize..], index);
        associated[^1] = flags;
    }

    private static async Task SkipAsync(Stream stream, long bytes, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            while (bytes > 0)
            {
                var read = await stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, bytes)), cancellationToken);
                if (read == 0)
                {
                    throw new ObjectIntegrityException("Sealed object is truncated: it ends before the requested range.");
                }

                bytes -= read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static ObjectIntegrityException Truncated(string what)
        => new($"Sealed object is truncated: it ends inside its {what}.");
}
