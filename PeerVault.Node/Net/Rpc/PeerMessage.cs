using System.Text.Json.Serialization;
using PeerVault.Node.Storage;

namespace PeerVault.Node.Net.Rpc;

/// <summary>
/// Everything nodes say to each other after the handshake: one record per request and per
/// response, named on the wire by its <c>$type</c>. A request names the response it expects
/// (<see cref="PeerRequest{TResponse}"/>), so a caller gets a typed answer or a <see cref="PeerError"/>.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "$type", UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FailSerialization)]
[JsonDerivedType(typeof(Ping), "ping")]
[JsonDerivedType(typeof(Pong), "pong")]
[JsonDerivedType(typeof(PeerError), "error")]
[JsonDerivedType(typeof(ExchangeMembers), "exchange-members")]
[JsonDerivedType(typeof(MemberList), "member-list")]
[JsonDerivedType(typeof(StoreReplica), "store-replica")]
[JsonDerivedType(typeof(ReplicateObject), "replicate-object")]
[JsonDerivedType(typeof(ReplicaStored), "replica-stored")]
[JsonDerivedType(typeof(StoreTombstone), "store-tombstone")]
[JsonDerivedType(typeof(TombstoneStored), "tombstone-stored")]
[JsonDerivedType(typeof(GetEntry), "get-entry")]
[JsonDerivedType(typeof(EntryInfo), "entry-info")]
[JsonDerivedType(typeof(FetchObject), "fetch-object")]
[JsonDerivedType(typeof(ObjectFound), "object-found")]
[JsonDerivedType(typeof(ListKeys), "list-keys")]
[JsonDerivedType(typeof(KeyPage), "key-page")]
[JsonDerivedType(typeof(ComparePartitions), "compare-partitions")]
[JsonDerivedType(typeof(PartitionsDiffer), "partitions-differ")]
[JsonDerivedType(typeof(CompareEntries), "compare-entries")]
[JsonDerivedType(typeof(EntriesDiffer), "entries-differ")]
[JsonDerivedType(typeof(ForgetIfVersion), "forget-if-version")]
[JsonDerivedType(typeof(Forgotten), "forgotten")]
public abstract record PeerMessage;

/// <summary>A request answered by a <typeparamref name="TResponse"/> (or a <see cref="PeerError"/>).</summary>
public abstract record PeerRequest<TResponse> : PeerMessage
    where TResponse : PeerMessage;

/// <summary>
/// An index entry as it travels: the version in its text form, parsed and checked by the receiver;
/// its <see cref="ObjectMetadata"/> (headers, ETag, checksums) when it has any. A node that predates
/// metadata ignores the field and sends none, which reads as an entry without.
/// </summary>
public sealed record WireEntry(string Key, string Version, string? BlobId, long Size, long SealedLength, bool Deleted, DateTimeOffset UpdatedAt, ObjectMetadata? Metadata = null);

/// <summary>A member as one node describes it to another.</summary>
public sealed record WireMember(Guid Id, string Name, string? Host, int Port, long Incarnation, DateTimeOffset JoinedAt, bool Removed);

/// <summary>A key and the version a replica holds of it (for comparing partitions entry by entry).</summary>
public sealed record EntryVersion(string Key, string Version);

/// <summary>The request could not be served: a stable <see cref="Code"/> and a sentence for logs.</summary>
public sealed record PeerError(string Code, string Message) : PeerMessage
{
    public const string NotFound = "not-found";
    public const string KeyMismatch = "key-mismatch";
    public const string Integrity = "integrity";
    public const string DiskFull = "disk-full";
    public const string Io = "io";
    public const string VersionFromFuture = "version-from-future";
    public const string BadRequest = "bad-request";
    public const string Unsupported = "unsupported";
}

/// <summary>A heartbeat, carrying the sender's wall clock when it was sent (Unix milliseconds).</summary>
public sealed record Ping(long SentAt) : PeerRequest<Pong>;

/// <summary>
/// The answer to a <see cref="Ping"/>: its <see cref="PingSentAt"/> echoed, and the answering
/// node's wall clock (<see cref="SentAt"/>), from which the pinging node estimates the clock offset.
/// </summary>
public sealed record Pong(long PingSentAt, long SentAt) : PeerMessage;

/// <summary>Gossip: here is every member I know; answer with every member you know.</summary>
public sealed record ExchangeMembers(IReadOnlyList<WireMember> Members) : PeerRequest<MemberList>;

public sealed record MemberList(IReadOnlyList<WireMember> Members) : PeerMessage;

/// <summary>Keep this replica; its sealed bytes follow as the request's stream.</summary>
public sealed record StoreReplica(WireEntry Entry) : PeerRequest<ReplicaStored>;

/// <summary>
/// Pipelined replication: keep the object whose <see cref="SealedLength"/> sealed bytes follow as the
/// request's stream while the coordinator is still sealing them, and after them the
/// <see cref="WireEntry"/> (JSON) naming their blob id and version, which exist only once the last
/// byte is sealed. A stream that ends before the entry, or aborted, leaves nothing behind.
/// </summary>
public sealed record ReplicateObject(string Key, long Size, long SealedLength) : PeerRequest<ReplicaStored>;

/// <summary><see cref="Outcome"/> is applied, duplicate or superseded (all mean the replica holds this version or a newer one).</summary>
public sealed record ReplicaStored(string Outcome) : PeerMessage;

public sealed record StoreTombstone(WireEntry Entry) : PeerRequest<TombstoneStored>;

public sealed record TombstoneStored(string Outcome) : PeerMessage;

/// <summary>Which version of <see cref="Key"/> do you hold (for a read's version check)?</summary>
public sealed record GetEntry(string Key) : PeerRequest<EntryInfo>;

/// <summary>The replica's entry (null if it holds nothing for the key) and whether it holds the entry's blob.</summary>
public sealed record EntryInfo(WireEntry? Entry, bool HasBlob) : PeerMessage;

/// <summary>
/// Send me the object (<see cref="Version"/> or newer, when given); answered by an <see cref="ObjectFound"/>
/// stream. With an <see cref="Offset"/> (plaintext bytes), the sender may leave out the chunks before
/// the one holding it (a range read: a read that lost its copy mid-response continues from there). A
/// peer that does not know the field sends everything, which <see cref="ObjectFound.ChunksOmitted"/> = 0 says.
/// </summary>
public sealed record FetchObject(string Key, string? Version, long Offset = 0) : PeerRequest<ObjectFound>;

/// <summary>The entry being sent; its sealed header follows, then its chunk records from chunk <see cref="ChunksOmitted"/> on.</summary>
public sealed record ObjectFound(WireEntry Entry, long ChunksOmitted = 0) : PeerMessage;

/// <summary>Up to <see cref="Limit"/> entries (tombstones too) in key order after <see cref="After"/>.</summary>
public sealed record ListKeys(string? Prefix, string? After, int Limit) : PeerRequest<KeyPage>;

public sealed record KeyPage(IReadOnlyList<WireEntry> Entries, bool Truncated) : PeerMessage;

/// <summary>Anti-entropy, step 1: my digest of each of these partitions; which of yours differ?</summary>
public sealed record ComparePartitions(IReadOnlyList<int> Partitions, IReadOnlyList<string> Digests) : PeerRequest<PartitionsDiffer>;

public sealed record PartitionsDiffer(IReadOnlyList<int> Partitions) : PeerMessage;

/// <summary>Anti-entropy, step 2: every entry I hold in these partitions; send what I lack, ask what you lack.</summary>
public sealed record CompareEntries(IReadOnlyList<int> Partitions, IReadOnlyList<EntryVersion> Entries) : PeerRequest<EntriesDiffer>;

/// <summary>
/// Entries the responder holds newer (or the requester lacks), and keys the responder wants from the
/// requester. <see cref="Truncated"/>: more newer entries exist than one answer carries; ask again
/// once these are applied.
/// </summary>
public sealed record EntriesDiffer(IReadOnlyList<WireEntry> Newer, IReadOnlyList<string> Wanted, bool Truncated) : PeerMessage;

/// <summary>Tombstone collection: drop the key if you still hold exactly this version.</summary>
public sealed record ForgetIfVersion(string Key, string Version) : PeerRequest<Forgotten>;

public sealed record Forgotten(bool Done) : PeerMessage;
