using System.Buffers.Binary;
using System.Security.Cryptography;

namespace PeerVault.Node.Cluster.Placement;

/// <summary>
/// Rendezvous (highest-random-weight) hashing: each candidate scores every partition with a hash of
/// (partition, candidate), and a partition's replicas are the candidates with the top scores. A
/// candidate that leaves takes away only the partitions where it was among the top; one that joins
/// takes only the partitions where it enters the top, one replica each, so only those move.
/// </summary>
public static class Rendezvous
{
    /// <summary>The candidate's fixed seed, from its stable id.</summary>
    public static ulong SeedOf(Guid id)
    {
        Span<byte> bytes = stackalloc byte[16];
        id.TryWriteBytes(bytes, bigEndian: true, out _);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(bytes, hash);
        return BinaryPrimitives.ReadUInt64BigEndian(hash);
    }

    /// <summary>The score of a candidate for a partition (SplitMix64 of the two mixed).</summary>
    public static ulong Score(int partition, ulong seed)
    {
        var z = seed ^ ((ulong)(uint)partition * 0x9E3779B97F4A7C15UL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Indexes of the <paramref name="count"/> highest-scoring seeds for the partition, best first.</summary>
    public static int[] Top(int partition, IReadOnlyList<ulong> seeds, int count)
    {
        ArgumentNullException.ThrowIfNull(seeds);
        count = Math.Min(count, seeds.Count);
        var scores = new (ulong Score, int Index)[seeds.Count];
        for (var i = 0; i < seeds.Count; i++)
        {
            scores[i] = (Score(partition, seeds[i]), i);
        }

        // Highest score first; the seed breaks ties so every node orders equal scores the same way.
        Array.Sort(scores, (a, b) => a.Score != b.Score ? b.Score.CompareTo(a.Score) : seeds[a.Index].CompareTo(seeds[b.Index]));
        var top = new int[count];
        for (var i = 0; i < count; i++)
        {
            top[i] = scores[i].Index;
        }

        return top;
    }
}
