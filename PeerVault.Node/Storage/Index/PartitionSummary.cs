namespace PeerVault.Node.Storage.Index;

/// <summary>
/// One partition's digest, entry counts and the sealed bytes its live entries reference, as the
/// index keeps them beside the entries (updated in the same transaction).
/// </summary>
public readonly record struct PartitionSummary(PartitionDigest Digest, int Live, int Tombstones, long SealedBytes)
{
    public int Count => Live + Tombstones;

    public PartitionSummary With(IndexEntry entry) => new(
        Digest.Xor(PartitionDigest.Of(entry)),
        Live + (entry.Deleted ? 0 : 1),
        Tombstones + (entry.Deleted ? 1 : 0),
        SealedBytes + (entry.Deleted ? 0 : entry.SealedLength));

    public PartitionSummary Without(IndexEntry entry) => new(
        Digest.Xor(PartitionDigest.Of(entry)),
        Live - (entry.Deleted ? 0 : 1),
        Tombstones - (entry.Deleted ? 1 : 0),
        SealedBytes - (entry.Deleted ? 0 : entry.SealedLength));
}
