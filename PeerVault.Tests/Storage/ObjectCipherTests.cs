using Microsoft.Extensions.Time.Testing;
using PeerVault.Node.Security;
using PeerVault.Node.Storage;

namespace PeerVault.Tests.Storage;

[Trait("Category", "Unit")]
public sealed class ObjectCipherTests
{
    private const int Chunk = ObjectCipher.MinChunkSize;
    private static readonly int RecordSize = ObjectCipher.RecordPrefixSize + Chunk + ObjectCipher.TagSize;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static KeyRing Ring(ClusterKey? key = null, TimeProvider? time = null, params ClusterKey[] previous)
        => new(key ?? ClusterKey.Generate(), new EpochClock(time ?? TimeProvider.System, TimeSpan.FromHours(24)), previous);

    private static byte[] Random(int length)
    {
        var bytes = new byte[length];
        System.Random.Shared.NextBytes(bytes);
        return bytes;
    }

    private static async Task<byte[]> SealAsync(ObjectCipher cipher, byte[] plaintext)
    {
        using var sealedBytes = new MemoryStream();
        var length = await cipher.SealAsync(new MemoryStream(plaintext), sealedBytes, Ct);
        Assert.Equal(plaintext.Length, length);
        return sealedBytes.ToArray();
    }

    private static async Task<byte[]> OpenAsync(ObjectCipher cipher, byte[] sealedBytes)
    {
        using var plaintext = new MemoryStream();
        await cipher.OpenAsync(new MemoryStream(sealedBytes), plaintext, Ct);
        return plaintext.ToArray();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(Chunk - 1)]
    [InlineData(Chunk)]
    [InlineData(Chunk + 1)]
    [InlineData((3 * Chunk) + 17)]
    public async Task Sealed_objects_open_to_the_same_bytes_and_hide_them(int length)
    {
        var cipher = new ObjectCipher(Ring(), Chunk);
        var plaintext = Random(length);

        var sealedBytes = await SealAsync(cipher, plaintext);

        Assert.Equal(ObjectCipher.SealedLength(length, Chunk), sealedBytes.Length);
        Assert.Equal(plaintext, await OpenAsync(cipher, sealedBytes));
        if (length >= 16)
        {
            Assert.True(sealedBytes.AsSpan().IndexOf(plaintext.AsSpan(0, 16)) < 0, "plaintext must not appear in the sealed bytes");
        }
    }

    [Fact]
    public async Task The_same_plaintext_seals_differently_each_time()
    {
        var cipher = new ObjectCipher(Ring(), Chunk);
        var plaintext = "my big data file here!"u8.ToArray();

        Assert.NotEqual(await SealAsync(cipher, plaintext), await SealAsync(cipher, plaintext));
    }

    [Theory]
    [InlineData(0)] // magic
    [InlineData(6)] // key id
    [InlineData(15)] // epoch
    [InlineData(22)] // chunk size
    [InlineData(30)] // object salt
    [InlineData(60)] // wrapped data key
    [InlineData(100)] // wrap tag
    [InlineData(SealedObjectHeader.Size)] // first chunk's flags
    [InlineData(SealedObjectHeader.Size + 3)] // first chunk's length
    [InlineData(SealedObjectHeader.Size + 200)] // ciphertext
    [InlineData(-1)] // last chunk's tag
    public async Task A_single_flipped_bit_anywhere_is_detected(int offset)
    {
        var cipher = new ObjectCipher(Ring(), Chunk);
        var sealedBytes = await SealAsync(cipher, Random((2 * Chunk) + 500));
        var position = offset >= 0 ? offset : sealedBytes.Length + offset;

        sealedBytes[position] ^= 0x10;

        await Assert.ThrowsAnyAsync<ObjectIntegrityException>(() => OpenAsync(cipher, sealedBytes));
    }

    [Fact]
    public async Task Swapping_two_chunks_is_detected()
    {
        var cipher = new ObjectCipher(Ring(), Chunk);
        var sealedBytes = await SealAsync(cipher, Random((3 * Chunk) + 5));
        var first = sealedBytes.AsSpan(SealedObjectHeader.Size, RecordSize).ToArray();
        var second = sealedBytes.AsSpan(SealedObjectHeader.Size + RecordSize, RecordSize).ToArray();

        second.CopyTo(sealedBytes, SealedObjectHeader.Size);
        first.CopyTo(sealedBytes, SealedObjectHeader.Size + RecordSize);

        var error = await Assert.ThrowsAsync<ObjectIntegrityException>(() => OpenAsync(cipher, sealedBytes));
        Assert.Contains("Chunk 0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dropping_the_final_chunk_is_detected_even_at_a_chunk_boundary()
    {
        var cipher = new ObjectCipher(Ring(), Chunk);
        var sealedBytes = await SealAsync(cipher, Random(3 * Chunk));

        var truncated = sealedBytes[..(SealedObjectHeader.Size + (2 * RecordSize))];

        var error = await Assert.ThrowsAsync<ObjectIntegrityException>(() => OpenAsync(cipher, truncated));
        Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(50)]
    [InlineData(SealedObjectHeader.Size + 2)]
    [InlineData(SealedObjectHeader.Size + 1000)]
    public async Task Cutting_the_object_short_anywhere_is_detected(int keep)
    {
        var cipher = new ObjectCipher(Ring(), Chunk);
        var sealedBytes = await SealAsync(cipher, Random(Chunk + 100));

        await Assert.ThrowsAnyAsync<ObjectIntegrityException>(() => OpenAsync(cipher, sealedBytes[..keep]));
    }

    [Fact]
    public async Task Marking_an_inner_chunk_final_to_hide_a_truncation_is_detected()
    {
        var cipher = new ObjectCipher(Ring(), Chunk);
        var sealedBytes = await SealAsync(cipher, Random(2 * Chunk + 1));
        var firstTwo = sealedBytes[..(SealedObjectHeader.Size + (2 * RecordSize))];

        firstTwo[SealedObjectHeader.Size + RecordSize] = 1; // claim chunk 1 is the last

        await Assert.ThrowsAsync<ObjectIntegrityException>(() => OpenAsync(cipher, firstTwo));
    }

    [Fact]
    public async Task Bytes_after_the_final_chunk_are_refused()
    {
        var cipher = new ObjectCipher(Ring(), Chunk);
        var sealedBytes = await SealAsync(cipher, Random(100));

        var error = await Assert.ThrowsAsync<ObjectIntegrityException>(() => OpenAsync(cipher, [.. sealedBytes, 0]));
        Assert.Contains("after its final chunk", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_chunk_spliced_in_from_another_object_under_the_same_key_is_detected()
    {
        var cipher = new ObjectCipher(Ring(), Chunk);
        var victim = await SealAsync(cipher, Random((2 * Chunk) + 10));
        var donor = await SealAsync(cipher, Random((2 * Chunk) + 10));

        donor.AsSpan(SealedObjectHeader.Size + RecordSize, RecordSize).CopyTo(victim.AsSpan(SealedObjectHeader.Size + RecordSize));

        var error = await Assert.ThrowsAsync<ObjectIntegrityException>(() => OpenAsync(cipher, victim));
        Assert.Contains("Chunk 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Another_cluster_key_cannot_open_the_object_and_says_which_key_it_needs()
    {
        var sealer = new ObjectCipher(Ring(), Chunk);
        var sealedBytes = await SealAsync(sealer, Random(1000));
        var otherKey = ClusterKey.Generate();

        var error = await Assert.ThrowsAsync<KeyMismatchException>(() => OpenAsync(new ObjectCipher(Ring(otherKey), Chunk), sealedBytes));

        Assert.Equal(otherKey.KeyId, error.NodeKeyId);
        Assert.Equal(SealedObjectHeader.Parse(sealedBytes).KeyId, error.ObjectKeyId);
        Assert.Contains("key id", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_object_sealed_in_epoch_e_still_opens_in_epoch_e_plus_3()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var key = ClusterKey.Generate();
        var cipher = new ObjectCipher(Ring(key, time), Chunk);
        var plaintext = Random((2 * Chunk) + 3);
        var sealedBytes = await SealAsync(cipher, plaintext);
        var sealedEpoch = SealedObjectHeader.Parse(sealedBytes).Epoch;

        time.Advance(TimeSpan.FromHours(24 * 3));
        var later = await SealAsync(cipher, plaintext);

        Assert.Equal(sealedEpoch + 3, SealedObjectHeader.Parse(later).Epoch);
        Assert.Equal(plaintext, await OpenAsync(cipher, sealedBytes));
    }

    [Fact]
    public async Task After_a_key_rotation_objects_sealed_under_the_previous_key_still_open()
    {
        var oldKey = ClusterKey.Generate();
        var sealedBytes = await SealAsync(new ObjectCipher(Ring(oldKey), Chunk), "before rotation"u8.ToArray());

        var rotated = new ObjectCipher(Ring(ClusterKey.Generate(), null, oldKey), Chunk);

        Assert.Equal("before rotation"u8.ToArray(), await OpenAsync(rotated, sealedBytes));
        Assert.NotEqual(oldKey.KeyId, SealedObjectHeader.Parse(await SealAsync(rotated, [1])).KeyId);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(Chunk - 1, 2)]
    [InlineData(Chunk, Chunk)]
    [InlineData((2 * Chunk) + 100, 5000)]
    [InlineData((3 * Chunk) + 10, 7)]
    [InlineData(0, (3 * Chunk) + 17)]
    [InlineData(5, long.MaxValue)]
    public async Task A_range_decrypts_exactly_those_bytes_reading_only_the_chunks_it_needs(long offset, long count)
    {
        var cipher = new ObjectCipher(Ring(), Chunk);
        var plaintext = Random((3 * Chunk) + 17);
        var sealedBytes = await SealAsync(cipher, plaintext);
        using var output = new MemoryStream();

        var written = await cipher.OpenRangeAsync(new MemoryStream(sealedBytes), offset, count, output, Ct);

        var expected = plaintext.AsSpan((int)offset, (int)Math.Min(count, plaintext.Length - offset)).ToArray();
        Assert.Equal(expected.Length, written);
        Assert.Equal(expected, output.ToArray());
    }

    [Fact]
    public async Task A_range_still_detects_tampering_in_the_chunks_it_reads()
    {
        var cipher = new ObjectCipher(Ring(), Chunk);
        var sealedBytes = await SealAsync(cipher, Random(3 * Chunk));
        sealedBytes[SealedObjectHeader.Size + RecordSize + 100] ^= 1; // inside chunk 1

        await Assert.ThrowsAsync<ObjectIntegrityException>(() => cipher.OpenRangeAsync(new MemoryStream(sealedBytes), Chunk + 5, 10, Stream.Null, Ct));
        // A range that never touches chunk 1 is served from intact chunks.
        Assert.Equal(10, await cipher.OpenRangeAsync(new MemoryStream(sealedBytes), (2 * Chunk) + 5, 10, Stream.Null, Ct));
    }

    [Fact]
    public async Task A_range_read_from_a_stream_that_left_out_the_leading_chunks_decrypts_and_one_with_other_chunks_fails()
    {
        var cipher = new ObjectCipher(Ring(), Chunk);
        var plaintext = Random((3 * Chunk) + 17);
        var sealedBytes = await SealAsync(cipher, plaintext);
        byte[] From(int chunk) => [.. sealedBytes.AsSpan(0, SealedObjectHeader.Size), .. sealedBytes.AsSpan(SealedObjectHeader.Size + (chunk * RecordSize))];
        using var output = new MemoryStream();

        // What a peer answers to a fetch from plaintext offset 2·Chunk+3: the header, then chunks 2 and 3.
        var written = await cipher.OpenRangeAsync(new NonSeekable(From(2)), chunksOmitted: 2, (2 * Chunk) + 3, long.MaxValue, output, Ct);

        Assert.Equal(Chunk + 14, written);
        Assert.Equal(plaintext.AsSpan((2 * Chunk) + 3).ToArray(), output.ToArray());
        // Chunk 1 presented as chunk 2 fails its tag; claiming to omit more chunks than the range skips fails too.
        await Assert.ThrowsAsync<ObjectIntegrityException>(() => cipher.OpenRangeAsync(new NonSeekable(From(1)), chunksOmitted: 2, (2 * Chunk) + 3, 10, Stream.Null, Ct));
        await Assert.ThrowsAsync<ObjectIntegrityException>(() => cipher.OpenRangeAsync(new NonSeekable(From(3)), chunksOmitted: 3, (2 * Chunk) + 3, 10, Stream.Null, Ct));
    }

    /// <summary>A stream as it arrives from a peer: it cannot seek.</summary>
    private sealed class NonSeekable(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("zz00000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("00000000000000000000000000000000000000000000000000000000000000000")]
    public void Invalid_cluster_keys_are_refused_with_a_message_naming_the_variable(string value)
    {
        var error = Assert.Throws<NodeConfigurationException>(() => ClusterKey.Parse(value));

        Assert.Contains("PEERVAULT_CLUSTER_KEY", error.Message, StringComparison.Ordinal);
        if (value.Length > 0)
        {
            Assert.DoesNotContain(value, error.Message, StringComparison.Ordinal);
        }
    }
}
