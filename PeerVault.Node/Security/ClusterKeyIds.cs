namespace PeerVault.Node.Security;

/// <summary>
/// The ids of the cluster keys a node holds (never the keys): the current one, which seals new
/// objects, and the previous ones kept for reading after a rotation. Nodes compare them at the
/// handshake, so a node on another cluster key is refused by name instead of being admitted to
/// placement, where every copy placed on it would fail.
/// </summary>
public sealed record ClusterKeyIds(string Current, IReadOnlyList<string> Previous)
{
    /// <summary>Most key ids a node says it holds (its current one and previous ones).</summary>
    public const int MaxCount = 16;

    public static ClusterKeyIds Of(ClusterKey current, params IEnumerable<ClusterKey> previous)
    {
        ArgumentNullException.ThrowIfNull(current);
        return new(current.KeyId, [.. previous.Select(k => k.KeyId).Where(id => id != current.KeyId).Distinct(StringComparer.Ordinal)]);
    }

    /// <summary>The current key id first, then the previous ones.</summary>
    public IEnumerable<string> All => Previous.Prepend(Current);

    public bool Holds(string keyId) => string.Equals(Current, keyId, StringComparison.Ordinal) || Previous.Contains(keyId, StringComparer.Ordinal);

    /// <summary>
    /// Whether two nodes may work together: at least one of them can open what the other seals now.
    /// During a rotation (new key current on some nodes, kept as previous on the others, or the
    /// other way round) that holds; two nodes neither of which holds the other's current key are on
    /// different clusters.
    /// </summary>
    public bool CanWorkWith(ClusterKeyIds other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return other.Holds(Current) || Holds(other.Current);
    }

    /// <summary>Whether each can open what the other seals now (no rotation half-done between them).</summary>
    public bool ReadsBothWays(ClusterKeyIds other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return other.Holds(Current) && Holds(other.Current);
    }

    public override string ToString() => Previous.Count == 0 ? Current : $"{Current} (previous {string.Join(", ", Previous)})";

    public bool Equals(ClusterKeyIds? other)
        => other is not null && string.Equals(Current, other.Current, StringComparison.Ordinal) && Previous.SequenceEqual(other.Previous, StringComparer.Ordinal);

    public override int GetHashCode() => HashCode.Combine(Current, Previous.Count);
}
