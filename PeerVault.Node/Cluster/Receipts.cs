using PeerVault.Node.Storage;

namespace PeerVault.Node.Cluster;

/// <summary>
/// Where a write became durable: the replicas that acknowledged it, the placement it was meant for,
/// and how many acknowledgements the write quorum required. <see cref="Failures"/> says why each
/// other replica did not (short, no paths).
/// </summary>
public sealed record WriteReceipt(
    string Key,
    string ObjectId,
    long Size,
    ObjectVersion Version,
    IReadOnlyList<string> Replicas,
    IReadOnlyList<string> Placement,
    int Required,
    IReadOnlyList<string> Failures)
{
    public bool Durable => Replicas.Count >= Required;

    /// <summary>The metadata the version was written with (null: none).</summary>
    public ObjectMetadata? Metadata { get; init; }
}

/// <summary>
/// Where a delete (a tombstone) became durable, whether any replica held the key before, and why
/// each other placed replica did not take it (<see cref="Failures"/>, as a write's receipt says).
/// </summary>
public sealed record DeleteReceipt(
    string Key,
    ObjectVersion Version,
    IReadOnlyList<string> Replicas,
    IReadOnlyList<string> Placement,
    int Required,
    bool Existed,
    IReadOnlyList<string> Failures)
{
    public bool Durable => Replicas.Count >= Required;
}

/// <summary>One page of a cluster-wide listing: live entries in key order, and where the next page starts.</summary>
public sealed record ListingPage(IReadOnlyList<IndexEntry> Entries, string? Next);

/// <summary>The plaintext bytes to write for a read, and where.</summary>
public readonly record struct ObjectSinkTarget(Stream Body, long Offset, long Count, bool WholeObject);

/// <summary>
/// What a read writes into (the HTTP response, for the API): told the version to serve and who
/// serves it, it answers with where the bytes go (or null for no body: HEAD, an unsatisfiable range).
/// </summary>
public interface IObjectSink
{
    ObjectSinkTarget? Begin(IndexEntry entry, string servedBy);

    /// <summary>Whether bytes have gone out already (then a failure can only cut the response).</summary>
    bool HasStarted { get; }

    /// <summary>Forgets what <see cref="Begin"/> said (another copy will be served instead); only before bytes went out.</summary>
    void Reset();
}

public enum ReadStatus
{
    Served,
    NotFound,

    /// <summary>Every copy that could be reached failed verification.</summary>
    NoIntactCopy,

    /// <summary>A replica has the key, but none that has it could be reached.</summary>
    Unavailable,
}

public sealed record ReadOutcome(ReadStatus Status, IndexEntry? Entry, IReadOnlyList<string> Problems)
{
    /// <summary>For a verifying HEAD: whose copy was read whole and verified (<c>local</c> or a member's name).</summary>
    public string? VerifiedBy { get; init; }

    /// <summary>For a verifying HEAD: what became of this node's own copy (ok, restored, quarantined, none).</summary>
    public string? LocalCopy { get; init; }
}
