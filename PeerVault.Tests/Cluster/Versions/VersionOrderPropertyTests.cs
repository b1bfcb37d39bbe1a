using CsCheck;
using Microsoft.Extensions.Logging.Abstractions;
using PeerVault.Node.Cluster.Versions;
using PeerVault.Node.Storage;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Cluster.Versions;

/// <summary>
/// Versions are a total order every replica applies the same way: whatever order replicas receive
/// the versions of a key in, they keep the same one.
/// </summary>
[Trait("Category", "Unit")]
public sealed class VersionOrderPropertyTests
{
    // Ids whose bytes order differently as big- and little-endian GUID fields, to catch a byte-order slip.
    private static readonly Guid[] Nodes =
    [
        Guid.Empty,
        Guid.Parse("00000000-0000-0000-0000-00000000000a"),
        Guid.Parse("01000000-0000-0000-0000-000000000000"),
        Guid.Parse("00000001-0000-0000-0000-000000000000"),
        Guid.Parse("0000ff00-0100-0000-0000-000000000000"),
        Guid.Parse("7c9e6679-7425-40de-944b-e07fc1f90ae7"),
    ];

    // Few distinct values per field, so ties on the wall clock and the counter are common.
    private static readonly Gen<ObjectVersion> Version = Gen.Select(
        Gen.Frequency((4, Gen.Long[1_700_000_000_000, 1_700_000_000_001]), (1, Gen.Long[0, long.MaxValue])),
        Gen.Frequency((4, Gen.UInt[0, 1]), (1, Gen.UInt)),
        Gen.Frequency((3, Gen.OneOf(Nodes)), (1, Gen.Guid)))
        .Select((wall, counter, node) => new ObjectVersion(wall, counter, node));

    // Half the pairs share the wall time and counter, so the node id decides.
    private static readonly Gen<(ObjectVersion, ObjectVersion)> Pair = Gen.Select(Version, Version, Gen.Bool)
        .Select((a, b, tie) => (a, tie ? b with { WallMs = a.WallMs, Counter = a.Counter } : b));

    [Fact]
    public void Comparison_is_antisymmetric_and_consistent_with_equality()
    {
        Pair.Sample((a, b) =>
        {
            Assert.Equal(Math.Sign(a.CompareTo(b)), -Math.Sign(b.CompareTo(a)));
            Assert.Equal(a.CompareTo(b) == 0, a.Equals(b));
            Assert.Equal(a.CompareTo(b) == 0, a == b);
        });
    }

    [Fact]
    public void Comparison_is_transitive()
    {
        Gen.Select(Pair, Version).Select((ab, c) => (ab.Item1, ab.Item2, c with { WallMs = ab.Item1.WallMs })).Sample((a, b, c) =>
        {
            var sorted = new[] { a, b, c }.Order().ToArray();
            Assert.True(sorted[0] <= sorted[1] && sorted[1] <= sorted[2]);
            Assert.True(sorted[0] <= sorted[2]);
            if (a <= b && b <= c)
            {
                Assert.True(a <= c);
            }
        });
    }

    [Fact]
    public void The_text_form_parses_back_and_sorts_as_the_versions_do()
    {
        Pair.Sample((a, b) =>
        {
            Assert.True(ObjectVersion.TryParse(a.ToString(), out var parsed));
            Assert.Equal(a, parsed);
            Assert.Equal(Math.Sign(a.CompareTo(b)), Math.Sign(string.CompareOrdinal(a.ToString(), b.ToString())));
        });
    }

    [Fact]
    public void Replicas_keep_the_same_version_whatever_order_they_receive_them_in()
    {
        // One version is one event: a write or a delete, never both.
        var writes = Gen.Select(Version, Gen.Bool).Array[2, 5].Select(w => w.DistinctBy(x => x.Item1).ToArray());
        writes.SelectMany(w => Gen.Shuffle(w.ToArray()), (w, shuffled) => (w, shuffled)).Sample(
            (inOrder, shuffled) =>
            {
                var first = Winner(inOrder);
                var second = Winner(shuffled);

                Assert.Equal(first, second);
                Assert.Equal(inOrder.Max(w => w.Item1), first.Version);
            },
            iter: 25);
    }

    [Fact]
    public void The_clock_always_reads_newer_than_everything_it_issued_or_observed()
    {
        var step = Gen.OneOf(
            Gen.Int[-5_000, 5_000].Select(ms => (Kind: "time", Ms: ms, Counter: 0u)),
            Gen.Select(Gen.Int[-60_000, 29_000], Gen.Frequency((3, Gen.UInt[0, 3]), (1, Gen.Const(uint.MaxValue))))
                .Select((ms, counter) => (Kind: "observe", Ms: ms, Counter: counter)),
            Gen.Const((Kind: "now", Ms: 0, Counter: 0u)));
        step.Array[1, 20].Sample(steps =>
        {
            var time = new SteppingClock { Now = new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero) };
            var clock = new HybridClock(time, Nodes[1], TimeSpan.FromSeconds(30));
            var newest = ObjectVersion.Zero;
            foreach (var (kind, ms, counter) in steps)
            {
                switch (kind)
                {
                    case "time":
                        time.Now = time.Now.AddMilliseconds(ms);
                        break;
                    case "observe":
                        var remote = new ObjectVersion(time.GetUtcNow().ToUnixTimeMilliseconds() + ms, counter, Nodes[5]);
                        clock.Observe(remote);
                        newest = ObjectVersion.Max(newest, remote);
                        break;
                    default:
                        var reading = clock.Now();
                        Assert.True(reading > newest, $"{reading} is not newer than {newest}");
                        newest = reading;
                        break;
                }
            }

            Assert.True(clock.Now() > newest);
        });
    }

    /// <summary>What a replica's index holds for the key after applying these writes and deletes in order.</summary>
    private static (ObjectVersion Version, bool Deleted) Winner(IEnumerable<(ObjectVersion Version, bool Deleted)> writes)
    {
        using var directory = new TempDirectory();
        using var index = new KeyIndex(directory.Sub(KeyIndex.FileName), NullLogger.Instance);
        foreach (var (version, deleted) in writes)
        {
            index.ApplyAsync(deleted ? IndexEntry.Tombstone("k", version) : Live(version)).GetAwaiter().GetResult();
        }

        Assert.True(index.TryGet("k", out var kept));
        return (kept.Version, kept.Deleted);
    }

    private static IndexEntry Live(ObjectVersion version) => new()
    {
        Key = "k",
        Version = version,
        BlobId = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(version.ToString()))),
        Size = 1,
        SealedLength = SealedObjectHeader.Size + 22,
        UpdatedAt = version.WallTime,
    };
}
