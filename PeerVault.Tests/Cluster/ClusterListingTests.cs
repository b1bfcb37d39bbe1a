using PeerVault.Node.Storage;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Cluster;

/// <summary>
/// A listing across real members: a member's answer carries at most 2,000 entries, and a larger
/// page is filled from several answers rather than cut at that member's 2,000th key.
/// </summary>
[Trait("Category", "InProcess")]
public sealed class ClusterListingTests
{
    private static readonly Guid Writer = Guid.NewGuid();

    private static IndexEntry Live(string key) => new()
    {
        Key = key,
        BlobId = new string('c', 64),
        Size = 1,
        SealedLength = 4_096,
        Version = new ObjectVersion(1_000, 0, Writer),
        UpdatedAt = DateTimeOffset.FromUnixTimeMilliseconds(1_000),
    };

    [Fact]
    public async Task A_page_larger_than_one_peer_answer_is_filled_from_several_and_a_newer_tombstone_elsewhere_hides_a_key()
    {
        await using var cluster = await TestCluster.StartAsync(2);

        // Only node2's index holds these (no blobs: the listing reads indexes only); node1 holds a
        // newer tombstone for one of them and a key of its own.
        await Task.WhenAll(Enumerable.Range(0, 2_500).Select(i => cluster["node2"].Store.Index.ApplyAsync(Live($"many/{i:D5}"))));
        await cluster["node1"].Store.Index.ApplyAsync(IndexEntry.Tombstone("many/01000", new ObjectVersion(2_000, 0, Writer)));
        await cluster["node1"].Store.Index.ApplyAsync(Live("many/99999"));

        var pages = new List<List<string>>();
        string? after = null;
        do
        {
            var listing = await cluster["node1"].Http.GetJsonAsync("/v1/objects?prefix=many/&limit=2200" + (after is null ? string.Empty : $"&after={Uri.EscapeDataString(after)}"));
            pages.Add([.. listing.GetProperty("objects").EnumerateArray().Select(o => o.GetProperty("key").GetString()!)]);
            after = listing.TryGetProperty("next", out var next) ? next.GetString() : null;
        }
        while (after is not null);

        // node2 answered 2,000 and then 200 more: the first page reaches its 2,200th key.
        Assert.Equal(2_199, pages[0].Count);
        var keys = pages.SelectMany(p => p).ToList();
        Assert.Equal([.. Enumerable.Range(0, 2_500).Where(i => i != 1000).Select(i => $"many/{i:D5}"), "many/99999"], keys);
    }
}
