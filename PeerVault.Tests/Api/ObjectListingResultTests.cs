using System.Text.Json;
using Microsoft.AspNetCore.Http;
using PeerVault.Contracts;
using PeerVault.Node.Api;
using PeerVault.Node.Cluster;
using PeerVault.Node.Storage;

namespace PeerVault.Tests.Api;

/// <summary>
/// The listing is written straight from index entries, not through the serializer; the CLI and
/// the demo client read it with models that mirror <see cref="ObjectListing"/>, so the bytes must
/// be exactly what the serializer writes, escaping included.
/// </summary>
[Trait("Category", "Unit")]
public sealed class ObjectListingResultTests
{
    private static IndexEntry Entry(string key, long wall, uint counter) => new()
    {
        Key = key,
        BlobId = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key))),
        Size = wall % 100_000,
        SealedLength = 100,
        Version = new ObjectVersion(wall, counter, Guid.NewGuid()),
        UpdatedAt = DateTimeOffset.FromUnixTimeMilliseconds(wall),
    };

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Writes_the_bytes_the_serializer_writes_for_the_same_listing(bool more)
    {
        var next = more ? "tenant/\u00E9t\u00E9 <&>'\"+\\" : null;
        string[] keys = ["a", "tenant-07/photos/0000001.jpg", "\u00E9t\u00E9/caf\u00E9", "k\U0001F600", "html <&>'\"+", "back\\slash\ttab", "\uFF61"];
        var entries = keys.Select((key, i) => Entry(key, 1_700_000_000_000 + (i * 7_777_777), (uint)i * 0x1_0001)).ToList();

        // Enough entries that the writer hands the body over several times.
        entries.AddRange(Enumerable.Range(0, 2_000).Select(i => Entry($"bulk/{i:D5}", 1_600_000_000_000 + i, 0)));
        var page = new ListingPage(entries, next);

        var written = await WriteAsync(page);
        var serialized = JsonSerializer.Serialize(
            new ObjectListing([.. entries.Select(e => new ObjectSummary(e.Key, e.BlobId!, e.Size, e.Version.ToString(), e.UpdatedAt))], next),
            PeerVaultJsonContext.Default.ObjectListing);

        Assert.Equal(serialized, written);
    }

    [Fact]
    public async Task An_empty_page_is_an_empty_list()
    {
        Assert.Equal("""{"objects":[]}""", await WriteAsync(new ListingPage([], null)));
    }

    [Fact]
    public void A_version_formats_as_utf8_the_text_it_formats_as_a_string()
    {
        var version = new ObjectVersion(0x0123_4567_89AB_CDEF, 0xFEDC_BA98, Guid.Parse("7c9e6679-7425-40de-944b-e07fc1f90ae7"));
        var utf8 = new byte[ObjectVersion.TextLength];

        Assert.True(version.TryFormat(utf8, out var written));
        Assert.Equal(version.ToString(), System.Text.Encoding.UTF8.GetString(utf8, 0, written));
        Assert.False(version.TryFormat(new byte[ObjectVersion.TextLength - 1], out _));
    }

    private static async Task<string> WriteAsync(ListingPage page)
    {
        using var body = new MemoryStream();
        var context = new DefaultHttpContext();
        context.Response.Body = body;

        await new ObjectListingResult(page).ExecuteAsync(context);

        Assert.Equal("application/json; charset=utf-8", context.Response.ContentType);
        return System.Text.Encoding.UTF8.GetString(body.ToArray());
    }
}
