using System.Security.Cryptography;
using PeerVault.Node.Storage;

namespace PeerVault.Tests.Infrastructure;

/// <summary>A node's blob files as they lie on its disk: find one, damage it, check it is whole again.</summary>
public static class StoredBlobs
{
    /// <summary>The file of the blob the node's index names for <paramref name="key"/>.</summary>
    public static string FileOf(TestNode node, string key)
    {
        Assert.True(node.Store.Index.TryGet(key, out var entry) && entry.BlobId is not null, $"{node.Name} has an entry for {key}");
        return node.Store.Blobs.PathOf(BlobId.Parse(entry.BlobId));
    }

    public static string BlobIdOf(TestNode node, string key)
    {
        Assert.True(node.Store.Index.TryGet(key, out var entry) && entry.BlobId is not null, $"{node.Name} has an entry for {key}");
        return entry.BlobId;
    }

    /// <summary>Inverts one byte at <paramref name="offset"/> of the file, in place (what bit rot does).</summary>
    public static void FlipByte(string path, long offset)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        file.Position = offset;
        var value = file.ReadByte();
        file.Position = offset;
        file.WriteByte((byte)~value);
        file.Flush(flushToDisk: true);
    }

    /// <summary>The node holds the key's blob and its bytes hash to the blob's name.</summary>
    public static bool IsIntact(TestNode node, string key)
    {
        if (!node.Store.Index.TryGet(key, out var entry) || entry.BlobId is null)
        {
            return false;
        }

        var path = node.Store.Blobs.PathOf(BlobId.Parse(entry.BlobId));
        try
        {
            using var file = File.OpenRead(path);
            return Convert.ToHexStringLower(SHA256.HashData(file)) == entry.BlobId;
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Files the node moved to quarantine for <paramref name="blobId"/>.</summary>
    public static IReadOnlyList<string> Quarantined(TestNode node, string blobId)
        => Directory.Exists(node.Store.Blobs.QuarantineDirectory)
            ? Directory.GetFiles(node.Store.Blobs.QuarantineDirectory, blobId + ".*")
            : [];
}
