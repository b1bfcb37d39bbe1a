namespace PeerVault.Node.Security;

/// <summary>
/// The keys a node can use: the current cluster key seals new objects; previous keys (kept
/// after a rotation) still open what they sealed. Every object header names its key id and
/// epoch, so finding the right key never depends on when the object is read.
/// </summary>
public sealed class KeyRing
{
    private readonly Dictionary<string, ClusterKey> _byId;

    public KeyRing(ClusterKey current, EpochClock epochs, IEnumerable<ClusterKey>? previous = null)
    {
        Current = current;
        Epochs = epochs;
        _byId = new Dictionary<string, ClusterKey>(StringComparer.Ordinal) { [current.KeyId] = current };
        foreach (var key in previous ?? [])
        {
            _byId.TryAdd(key.KeyId, key);
        }
    }

    public ClusterKey Current { get; }

    /// <summary>The ids of every key held, current first: what this node tells peers at the handshake.</summary>
    public ClusterKeyIds Ids => ClusterKeyIds.Of(Current, _byId.Values.Where(k => k != Current));

    public EpochClock Epochs { get; }

    public bool TryGet(string keyId, out ClusterKey key) => _byId.TryGetValue(keyId, out key!);
}
