using System.Diagnostics;
using System.IO.Pipelines;
using PeerVault.Node.Cluster.Membership;
using PeerVault.Node.Cluster.Versions;
using PeerVault.Node.Diagnostics;
using PeerVault.Node.Net;
using PeerVault.Node.Net.Rpc;
using PeerVault.Node.Storage;

namespace PeerVault.Node.Cluster;

/// <summary>The member is not connected right now.</summary>
public sealed class MemberUnreachableException(string member) : IOException($"{member} is not connected.");

/// <summary>
/// This node asking one replica to do something: keep a replica or a tombstone, say which version
/// it holds, send an object, list keys, compare partitions, forget a collected tombstone. Each call
/// is a client span whose trace context rides in the request, and every entry that comes back is
/// checked (<see cref="WireEntries"/>).
/// </summary>
public sealed class ReplicaClient(PeerConnections connections, ObjectStore store, HybridClock clock, ClusterOptions options, NodeTracing tracing, NodeMetrics metrics)
{
    /// <summary>Sends the entry's sealed blob; returns the replica's outcome (applied, duplicate or superseded).</summary>
    public async Task<string> StoreReplicaAsync(Member target, IndexEntry entry, CancellationToken cancellationToken)
    {
        var session = SessionOf(target);
        using var activity = tracing.StartPeerCall("ReplicateObject", entry.Key, session.Peer.Name, session.RemoteEndPoint);
        activity?.SetTag("peervault.object_id", entry.BlobId);
        await using var sealedObject = store.OpenSealed(entry);
        return await SendReplicaAsync(session, activity, new StoreReplica(entry.ToWire()), sealedObject, entry.SealedLength, cancellationToken);
    }

    /// <summary>
    /// A pipelined write's transfer: sends <paramref name="sealedThenEntry"/> (the object's sealed
    /// bytes as they are sealed, then the entry naming them, see <see cref="ReplicateObject"/>) and
    /// returns the replica's outcome once it holds the object durably. <paramref name="objectId"/>
    /// gives the blob id for the span, known once the stream has been sent.
    /// </summary>
    public async Task<string> ReplicateAsync(Member target, string key, long size, long sealedLength, Stream sealedThenEntry, Func<string?> objectId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(objectId);
        var session = SessionOf(target);
        using var activity = tracing.StartPeerCall("ReplicateObject", key, session.Peer.Name, session.RemoteEndPoint);
        var outcome = await SendReplicaAsync(session, activity, new ReplicateObject(key, size, sealedLength), sealedThenEntry, sealedLength, cancellationToken);
        activity?.SetTag("peervault.object_id", objectId());
        return outcome;
    }

    /// <summary>One replica transfer, whichever message carries it: the bytes, the answer, the metrics.</summary>
    private async Task<string> SendReplicaAsync(PeerSession session, Activity? activity, PeerRequest<ReplicaStored> request, Stream body, long sealedLength, CancellationToken cancellationToken)
    {
        activity?.SetTag("peervault.bytes", sealedLength);
        var started = Stopwatch.GetTimestamp();
        try
        {
            var reply = await session.SendStreamAsync(request, body, ReplyTimeout(sealedLength), cancellationToken);
            metrics.Replicated(sealedLength, "sent");
            metrics.ReplicationFinished(Stopwatch.GetElapsedTime(started), "stored");
            return reply.Outcome;
        }
        catch (Exception ex) when (ex is IOException or TimeoutException or OperationCanceledException or ObjectDisposedException)
        {
            NodeTracing.Fail(activity, ex);
            metrics.ReplicationFinished(Stopwatch.GetElapsedTime(started), "failed");
            throw;
        }
    }

    public async Task<TombstoneStored> StoreTombstoneAsync(Member target, IndexEntry tombstone, CancellationToken cancellationToken)
    {
        var session = SessionOf(target);
        using var activity = tracing.StartPeerCall("DeleteReplica", tombstone.Key, session.Peer.Name, session.RemoteEndPoint);
        return await CallAsync(activity, session.RequestAsync(new StoreTombstone(tombstone.ToWire()), options.RequestTimeout, cancellationToken));
    }

    /// <summary>The replica's entry for the key (null when it holds none) and whether it holds the blob.</summary>
    public async Task<(IndexEntry? Entry, bool HasBlob)> GetEntryAsync(Member target, string key, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var session = SessionOf(target);
        using var activity = tracing.StartPeerCall("CheckVersion", key, session.Peer.Name, session.RemoteEndPoint);
        var info = await CallAsync(activity, session.RequestAsync(new GetEntry(key), timeout, cancellationToken));
        return (info.Entry?.FromWire(clock), info.HasBlob);
    }

    /// <summary>Opens the replica's sealed copy of the key (at least <paramref name="version"/>); the caller reads and completes the body.</summary>
    public async Task<(IndexEntry Entry, PipeReader Body)> FetchAsync(Member target, string key, ObjectVersion? version, CancellationToken cancellationToken)
    {
        var (entry, _, body) = await FetchFromAsync(target, key, version, plaintextOffset: 0, cancellationToken);
        return (entry, body);
    }

    /// <summary>
    /// Opens the replica's sealed copy for plaintext from <paramref name="plaintextOffset"/> on: the
    /// header and the chunk records from <c>ChunksOmitted</c> on (see <see cref="ObjectCipher.OpenRangeAsync(Stream, long, long, long, Stream, CancellationToken)"/>).
    /// </summary>
    public async Task<(IndexEntry Entry, long ChunksOmitted, PipeReader Body)> FetchFromAsync(Member target, string key, ObjectVersion? version, long plaintextOffset, CancellationToken cancellationToken)
    {
        var session = SessionOf(target);
        using var activity = tracing.StartPeerCall("FetchObject", key, session.Peer.Name, session.RemoteEndPoint);
        var (found, body) = await CallAsync(activity, session.RequestStreamAsync(new FetchObject(key, version?.ToString(), plaintextOffset), options.RequestTimeout, cancellationToken));
        try
        {
            var entry = found.Entry.FromWire(clock);
            if (!string.Equals(entry.Key, key, StringComparison.Ordinal) || entry.Deleted || found.ChunksOmitted < 0)
            {
                throw new ObjectIntegrityException($"Asked {session.Peer.Name} for '{key}' but received '{entry.Key}'.");
            }

            activity?.SetTag("peervault.object_id", entry.BlobId);
            activity?.SetTag("peervault.bytes", entry.SealedLength);
            return (entry, found.ChunksOmitted, body);
        }
        catch
        {
            await body.CompleteAsync();
            throw;
        }
    }

    /// <summary>
    /// Copies the replica's copy of the key (at least <paramref name="version"/>) into this node's
    /// store, verified on the way in (hash, every chunk, sizes); returns the entry now held. Read
    /// repair, anti-entropy, scrub and a failed local read all bring a copy here through this.
    /// </summary>
    public async Task<IndexEntry> PullAsync(Member target, string key, ObjectVersion? version, CancellationToken cancellationToken)
    {
        var (entry, body) = await FetchAsync(target, key, version, cancellationToken);
        await using (var stream = body.AsStream())
        {
            await store.AcceptReplicaAsync(entry, stream, cancellationToken);
        }

        metrics.Replicated(entry.SealedLength, "received");
        return entry;
    }

    public async Task<(IReadOnlyList<IndexEntry> Entries, bool Truncated)> ListAsync(Member target, string? prefix, string? after, int limit, CancellationToken cancellationToken)
    {
        var session = SessionOf(target);
        var page = await session.RequestAsync(new ListKeys(prefix, after, limit), options.RequestTimeout, cancellationToken);
        return ([.. page.Entries.Select(e => e.FromWire(clock))], page.Truncated);
    }

    public async Task<IReadOnlyList<int>> ComparePartitionsAsync(Member target, IReadOnlyList<int> partitions, IReadOnlyList<PartitionDigest> digests, CancellationToken cancellationToken)
    {
        var session = SessionOf(target);
        var answer = await session.RequestAsync(new ComparePartitions(partitions, [.. digests.Select(d => d.ToString())]), options.RequestTimeout, cancellationToken);
        return answer.Partitions;
    }

    public async Task<(IReadOnlyList<IndexEntry> Newer, IReadOnlyList<string> Wanted, bool Truncated)> CompareEntriesAsync(Member target, IReadOnlyList<int> partitions, IReadOnlyList<IndexEntry> mine, CancellationToken cancellationToken)
    {
        var session = SessionOf(target);
        var answer = await session.RequestAsync(new CompareEntries(partitions, [.. mine.Select(e => new EntryVersion(e.Key, e.Version.ToString()))]), options.RequestTimeout, cancellationToken);
        return ([.. answer.Newer.Select(e => e.FromWire(clock))], answer.Wanted, answer.Truncated);
    }

    public async Task<bool> ForgetIfVersionAsync(Member target, string key, ObjectVersion version, CancellationToken cancellationToken)
    {
        var session = SessionOf(target);
        var answer = await session.RequestAsync(new ForgetIfVersion(key, version.ToString()), options.RequestTimeout, cancellationToken);
        return answer.Done;
    }

    public bool IsConnected(Member member) => member.IsSelf || connections.TryGet(member.Id, out _);

    private PeerSession SessionOf(Member target)
        => connections.TryGet(target.Id, out var session) ? session : throw new MemberUnreachableException(target.Name);

    private static async Task<T> CallAsync<T>(Activity? activity, Task<T> call)
    {
        try
        {
            return await call;
        }
        catch (Exception ex) when (ex is IOException or TimeoutException or InvalidEntryException or VersionFromFutureException)
        {
            NodeTracing.Fail(activity, ex);
            throw;
        }
    }

    /// <summary>Time to wait for a replica's answer after its last byte: verification and fsync grow with size.</summary>
    private TimeSpan ReplyTimeout(long bytes) => options.RequestTimeout + TimeSpan.FromSeconds(bytes / (20 << 20));
}
