using PeerVault.Node.Security;
using PeerVault.Node.Storage;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Storage;

/// <summary>
/// Sealing and opening allocate per object, never per chunk. Measured with
/// <see cref="GC.GetAllocatedBytesForCurrentThread"/> around calls that complete synchronously
/// (memory streams in and out), so every allocation lands on the test's thread; each size is
/// measured a few times after a warm-up and the least is kept, which leaves out one-off costs
/// (a pool's first rent, a static constructor). Asynchronous paths (files, sockets) are shown by
/// PeerVault.Benchmarks instead: there, allocations happen on other threads. Release builds only
/// (see <see cref="ThreadAllocation.SkipUnlessOptimized"/>).
/// </summary>
[Trait("Category", "Unit")]
public sealed class ObjectCipherAllocationTests
{
    // The smallest chunk gives the most chunks per byte: 16 chunks against 128.
    private const int Chunk = ObjectCipher.MinChunkSize;
    private const int Small = 16 * Chunk;
    private const int Large = 128 * Chunk;

    // Far below one small object per extra chunk (112 of them), far above nothing.
    private const long Tolerance = 1024;

    private readonly ObjectCipher _cipher = new(new KeyRing(ClusterKey.Generate(), new EpochClock(TimeProvider.System, TimeSpan.FromHours(24))), Chunk);

    [Fact]
    public void Sealing_allocates_the_same_for_8_MiB_as_for_1_MiB()
    {
        ThreadAllocation.SkipUnlessOptimized(typeof(ObjectCipher).Assembly);
        var small = Plaintext(Small);
        var large = Plaintext(Large);
        var sink = new MemoryStream(checked((int)ObjectCipher.SealedLength(Large, Chunk)));

        long Seal(byte[] plaintext) => ThreadAllocation.Least(() =>
        {
            sink.SetLength(0);
            _cipher.SealAsync(new MemoryStream(plaintext, writable: false), sink, TestContext.Current.CancellationToken).GetAwaiter().GetResult();
        });

        var growth = Seal(large) - Seal(small);
        Assert.True(growth < Tolerance, $"Sealing 8 MiB allocated {growth} bytes more than sealing 1 MiB.");
    }

    [Fact]
    public void Opening_allocates_the_same_for_8_MiB_as_for_1_MiB()
    {
        ThreadAllocation.SkipUnlessOptimized(typeof(ObjectCipher).Assembly);
        var small = SealToArray(Plaintext(Small));
        var large = SealToArray(Plaintext(Large));

        long Open(byte[] sealedBytes) => ThreadAllocation.Least(()
            => _cipher.OpenAsync(new MemoryStream(sealedBytes, writable: false), Stream.Null, TestContext.Current.CancellationToken).GetAwaiter().GetResult());

        var growth = Open(large) - Open(small);
        Assert.True(growth < Tolerance, $"Opening 8 MiB allocated {growth} bytes more than opening 1 MiB.");
    }

    [Fact]
    public void Reading_a_range_allocates_the_same_for_many_chunks_as_for_few()
    {
        ThreadAllocation.SkipUnlessOptimized(typeof(ObjectCipher).Assembly);
        var sealedBytes = SealToArray(Plaintext(Large));

        long OpenRange(long count) => ThreadAllocation.Least(()
            => _cipher.OpenRangeAsync(new MemoryStream(sealedBytes, writable: false), Chunk / 2, count, Stream.Null, TestContext.Current.CancellationToken).GetAwaiter().GetResult());

        var growth = OpenRange(Large - Chunk) - OpenRange(Chunk);
        Assert.True(growth < Tolerance, $"A range over 128 chunks allocated {growth} bytes more than one over 2.");
    }

    private byte[] SealToArray(byte[] plaintext)
    {
        using var output = new MemoryStream();
        _cipher.SealAsync(new MemoryStream(plaintext), output, TestContext.Current.CancellationToken).GetAwaiter().GetResult();
        return output.ToArray();
    }

    private static byte[] Plaintext(int length)
    {
        var bytes = new byte[length];
        Random.Shared.NextBytes(bytes);
        return bytes;
    }
}
