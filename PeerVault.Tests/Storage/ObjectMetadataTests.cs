using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using PeerVault.Node.Cluster;
using PeerVault.Node.Cluster.Versions;
using PeerVault.Node.Net.Rpc;
using PeerVault.Node.Storage;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Storage;

/// <summary>
/// An entry's metadata (headers, MD5 ETag, checksums) is kept by the index across restarts, read
/// back by point lookups and listing pages alike, travels on the wire and is bounded there; an
/// index written before metadata existed opens, reads its entries without any, and takes new ones with.
/// </summary>
[Trait("Category", "Unit")]
public sealed class ObjectMetadataTests
{
    private static readonly Guid Writer = Guid.NewGuid();

    private static readonly ObjectMetadata Described = new()
    {
        ContentType = "image/png",
        CacheControl = "max-age=60",
        ETag = "b1946ac92492d2347c6235b4d2611184",
        User = new Dictionary<string, string> { ["color"] = "blue" },
        Checksums = new Dictionary<string, string> { ["crc32"] = "NhCmhg==" },
    };

    private static IndexEntry Live(string key, long wall, ObjectMetadata? metadata) => new()
    {
        Key = key,
        BlobId = new string('a', 64),
        Size = 10,
        SealedLength = 200,
        Version = new ObjectVersion(wall, 0, Writer),
        UpdatedAt = DateTimeOffset.FromUnixTimeMilliseconds(wall),
        Metadata = metadata,
    };

    [Fact]
    public async Task Metadata_survives_a_restart_and_reads_back_from_lookups_and_pages()
    {
        using var directory = new TempDirectory();
        using (var index = new KeyIndex(directory.Sub(KeyIndex.FileName), NullLogger.Instance))
        {
            await index.ApplyAsync(Live("with", 1, Described));
            await index.ApplyAsync(Live("without", 2, null));
        }

        using var reopened = new KeyIndex(directory.Sub(KeyIndex.FileName), NullLogger.Instance);
        Assert.True(reopened.TryGet("with", out var with));
        AssertDescribed(with.Metadata);
        Assert.True(reopened.TryGet("without", out var without));
        Assert.Null(without.Metadata);
        var page = reopened.Page(null, null, 10);
        AssertDescribed(page.Single(e => e.Key == "with").Metadata);
        Assert.Null(page.Single(e => e.Key == "without").Metadata);
    }

    [Fact]
    public async Task An_index_from_before_metadata_opens_reads_its_entries_without_and_takes_new_ones_with()
    {
        using var directory = new TempDirectory();
        var path = directory.Sub(KeyIndex.FileName);
        using (var old = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            old.Open();
            using var create = old.CreateCommand();
            create.CommandText = """
                CREATE TABLE entries (key TEXT NOT NULL PRIMARY KEY, partition INTEGER NOT NULL, blob TEXT, size INTEGER NOT NULL,
                    sealed_length INTEGER NOT NULL, version TEXT NOT NULL, updated_at INTEGER NOT NULL, deleted INTEGER NOT NULL) WITHOUT ROWID;
                """;
            create.ExecuteNonQuery();
            using var insert = old.CreateCommand();
            insert.CommandText = "INSERT INTO entries VALUES ('old', $p, $b, 10, 200, $v, 1, 0)";
            insert.Parameters.AddWithValue("$p", KeyPartition.Of("old"));
            insert.Parameters.AddWithValue("$b", new string('c', 64));
            insert.Parameters.AddWithValue("$v", new ObjectVersion(1, 0, Writer).ToString());
            insert.ExecuteNonQuery();
        }

        using var index = new KeyIndex(path, NullLogger.Instance);
        Assert.True(index.TryGet("old", out var old1));
        Assert.Null(old1.Metadata);
        await index.ApplyAsync(Live("new", 5, Described));
        Assert.True(index.TryGet("new", out var added));
        AssertDescribed(added.Metadata);
    }

    [Fact]
    public void Metadata_travels_on_the_wire_an_entry_from_an_older_node_has_none_and_an_oversized_one_is_refused()
    {
        var clock = new HybridClock(new FakeTimeProvider(DateTimeOffset.UtcNow), Guid.NewGuid(), TimeSpan.FromMinutes(5));
        var entry = Live("k", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 10, Described);
        var decoded = EntryTrailer.Decode(EntryTrailer.Encode(entry.ToWire())).FromWire(clock);
        AssertDescribed(decoded.Metadata);

        // What a node that predates metadata sends: the same entry without the field.
        var json = Encoding.UTF8.GetString(EntryTrailer.Encode(entry.ToWire() with { Metadata = null }));
        var older = json.Replace(",\"metadata\":null", string.Empty, StringComparison.Ordinal);
        Assert.DoesNotContain("metadata", older, StringComparison.Ordinal);
        Assert.Null(EntryTrailer.Decode(Encoding.UTF8.GetBytes(older)).FromWire(clock).Metadata);

        var huge = entry with { Metadata = new ObjectMetadata { User = new Dictionary<string, string> { ["x"] = new string('x', ObjectMetadata.MaxBytes) } } };
        Assert.Throws<InvalidEntryException>(() => huge.ToWire().FromWire(clock));
    }

    private static void AssertDescribed(ObjectMetadata? metadata)
    {
        Assert.NotNull(metadata);
        Assert.Equal(("image/png", "max-age=60", "b1946ac92492d2347c6235b4d2611184"), (metadata.ContentType, metadata.CacheControl, metadata.ETag));
        Assert.Equal("blue", metadata.User!["color"]);
        Assert.Equal("NhCmhg==", metadata.Checksums!["crc32"]);
    }
}
