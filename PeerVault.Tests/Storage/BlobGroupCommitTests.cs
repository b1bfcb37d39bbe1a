using PeerVault.Node.Security;
using PeerVault.Node.Storage;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Storage;

[Trait("Category", "Unit")]
public sealed class BlobGroupCommitTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Concurrent_blob_writes_share_file_system_flushes_and_every_blob_is_whole_after_a_restart()
    {
        using var directory = new TempDirectory();
        var store = TestStores.Open(directory.Path, ClusterKey.Generate());
        using var index = store.Index;
        var blobs = store.Blobs;
        const int writers = 64;

        // Leases held: a blob no entry references is released when its lease ends.
        var sealedBlobs = await Task.WhenAll(Enumerable.Range(0, writers).Select(i => store.SealAsync(new MemoryStream(DemoFiles.RandomBytes(4096, seed: i)), Ct)));

        if (FileSystemFlush.IsSupported)
        {
            // Two flushes per blob (its bytes, then its name) if nothing were shared.
            Assert.True(blobs.SharedFlushes < writers, $"{blobs.SharedFlushes} file-system flushes for {writers} concurrent blobs");
        }

        Assert.Empty(Directory.GetFiles(Path.Combine(directory.Path, "tmp")));
        var reopened = new BlobStore(directory.Path);
        foreach (var (blob, lease) in sealedBlobs)
        {
            using var held = lease;
            await using var file = reopened.OpenRead(blob.Id);
            Assert.Equal(blob.SealedLength, file.Length);
            Assert.Equal(blob.Id, BlobId.FromHash(await System.Security.Cryptography.SHA256.HashDataAsync(file, Ct)));
        }
    }
}
