using Microsoft.Extensions.Logging.Abstractions;
using PeerVault.Node.Diagnostics;
using PeerVault.Node.Security;
using PeerVault.Node.Storage;

namespace PeerVault.Tests.Infrastructure;

/// <summary>An object store on real files, as a node opens its data directory, without the node around it.</summary>
public static class TestStores
{
    /// <summary>Opens (or reopens, with the same <paramref name="key"/>) the store in <paramref name="root"/>.</summary>
    public static ObjectStore Open(string root, ClusterKey key, NodeIdentity? self = null)
    {
        var keys = new KeyRing(key, new EpochClock(TimeProvider.System, TimeSpan.FromHours(24)));
        var blobs = new BlobStore(root); // first: it makes the directory the index goes in
        var index = new KeyIndex(Path.Combine(root, KeyIndex.FileName), NullLogger.Instance);
        return new ObjectStore(blobs, index, new ObjectCipher(keys), new NodeTracing(self ?? new NodeIdentity(Guid.NewGuid(), "node1")), NullLogger<ObjectStore>.Instance);
    }
}
