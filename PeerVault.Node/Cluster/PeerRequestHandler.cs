using System.Diagnostics;
using System.IO.Pipelines;
using PeerVault.Node.Cluster.Membership;
using PeerVault.Node.Cluster.Versions;
using PeerVault.Node.Diagnostics;
using PeerVault.Node.Net;
using PeerVault.Node.Net.Rpc;
using PeerVault.Node.Storage;

namespace PeerVault.Node.Cluster;

/// <summary>
/// Serves what peers ask of this node, one typed request at a time: gossip, keep a replica or a
/// tombstone, say which version it holds, send an object, list keys, compare partitions, forget a
/// collected tombstone. Every entry a peer sends is checked first (a far-future version is refused
/// and counted), and every version it names moves this node's clock past it; a replica is kept only if it hashes to its announced id and decrypts under a key
/// this node holds; every refusal answers with a stable code and a reason, never silence.
/// </summary>
public sealed partial class PeerRequestHandler(
    ObjectStore store,
    MembershipService membership,
    HybridClock clock,
    NodeTracing tracing,
    NodeMetrics metrics,
    ILogger<PeerRequestHandler> logger) : IPeerRequestHandler
{
    /// <summary>Most entries one <see cref="ListKeys"/> or <see cref="CompareEntries"/> answer carries (a frame holds 1 MiB).</summary>
    public const int MaxEntriesPerMessage = 2000;

    /// <summary>
    /// Most bytes of entries one such answer carries (estimated, <see cref="WireEntries.EstimatedJsonBytes"/>):
    /// entries with metadata are larger, and an answer must fit a 1 MiB frame with its envelope.
    /// </summary>
    public const int MaxEntryBytesPerMessage = 900 * 1024;

    public async Task HandleAsync(PeerSession session, IncomingRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(request);
        PeerMessage? reply;
        try
        {
            reply = request.Message switch
            {
                ExchangeMembers exchange => membership.Exchange(session, exchange),
                StoreReplica replica => await StoreReplicaAsync(session, request, replica, cancellationToken),
                ReplicateObject replicate => await ReplicateObjectAsync(session, request, replicate, cancellationToken),
                StoreTombstone tombstone => await StoreTombstoneAsync(session, request, tombstone),
                GetEntry get => GetEntry(get),
                FetchObject fetch => await FetchAsync(session, request, fetch, cancellationToken),
                ListKeys list => List(list),
                ComparePartitions compare => ComparePartitions(compare),
                CompareEntries compare => CompareEntries(compare),
                ForgetIfVersion forget => new Forgotten(await store.ForgetAsync(forget.Key, Mentioned(forget.Version))),
                var other => new PeerError(PeerError.Unsupported, $"Cannot handle {other.GetType().Name}."),
            };
        }
        catch (VersionFromFutureException ex)
        {
            metrics.VersionRefused("peer");
            LogFutureVersion(session.Peer.Name, request.Message.GetType().Name, ex.Message);
            reply = new PeerError(PeerError.VersionFromFuture, ex.Message);
        }
        catch (InvalidEntryException ex)
        {
            reply = new PeerError(PeerError.BadRequest, ex.Message);
        }
        catch (Exception ex) when (ex is ObjectIntegrityException or IOException && ex is not PeerDisconnectedException)
        {
            var code = ErrorCodes.Of(ex);
            LogRefused(request.Message.GetType().Name, session.Peer.Name, code, ex.Message);
            reply = new PeerError(code, ex.Message);
        }

        if (reply is not null)
        {
            await session.ReplyAsync(request, reply, cancellationToken);
        }
    }

    private async Task<PeerMessage> StoreReplicaAsync(PeerSession session, IncomingRequest request, StoreReplica replica, CancellationToken cancellationToken)
    {
        var entry = replica.Entry.FromWire(clock);
        using var activity = tracing.StartPeerServer("ReceiveReplica", entry.Key, request.Envelope.TraceParent, request.Envelope.TraceState, session.Peer.Name, session.RemoteEndPoint);
        activity?.SetTag("peervault.object_id", entry.BlobId);
        activity?.SetTag("peervault.bytes", entry.SealedLength);
        if (entry.Deleted || request.Body is null)
        {
            return new PeerError(PeerError.BadRequest, "A replica needs a live entry and its bytes.");
        }

        // Already this version or a newer one: the bytes need not travel (the body is dropped).
        if (store.Index.TryGet(entry.Key, out var held) && held.Version >= entry.Version)
        {
            return new ReplicaStored(held.Version == entry.Version ? Outcome(ApplyOutcome.Duplicate) : Outcome(ApplyOutcome.Superseded));
        }

        return await KeepReplicaAsync(session, request.Body, activity, entry.Key, entry.SealedLength, async stream => (await store.AcceptReplicaAsync(entry, stream, cancellationToken), entry.BlobId));
    }

    /// <summary>
    /// A pipelined write's replica: the sealed bytes arrive while the coordinator is still sealing
    /// them, and the entry that names them (blob id, version) after the last one. Nothing is kept
    /// unless the whole object verified and the entry matches it.
    /// </summary>
    private async Task<PeerMessage> ReplicateObjectAsync(PeerSession session, IncomingRequest request, ReplicateObject replicate, CancellationToken cancellationToken)
    {
        using var activity = tracing.StartPeerServer("ReceiveReplica", replicate.Key, request.Envelope.TraceParent, request.Envelope.TraceState, session.Peer.Name, session.RemoteEndPoint);
        activity?.SetTag("peervault.bytes", replicate.SealedLength);
        if (request.Body is null || replicate.Size < 0 || replicate.SealedLength < SealedObjectHeader.Size)
        {
            return new PeerError(PeerError.BadRequest, "A replica needs its sizes and its bytes.");
        }

        return await KeepReplicaAsync(session, request.Body, activity, replicate.Key, replicate.SealedLength, async stream =>
        {
            string? blobId = null;
            var outcome = await store.AcceptStreamedReplicaAsync(
                replicate.Key,
                replicate.SealedLength,
                stream,
                async token =>
                {
                    WireEntry wire;
                    try
                    {
                        wire = await EntryTrailer.ReadAsync(stream, token);
                    }
                    catch (PeerProtocolException ex)
                    {
                        throw new InvalidEntryException(ex.Message, ex);
                    }

                    var entry = wire.FromWire(clock);
                    blobId = entry.BlobId;
                    activity?.SetTag("peervault.object_id", blobId);
                    return entry;
                },
                cancellationToken);
            return (outcome, blobId);
        });
    }

    /// <summary>
    /// Reads a replica's bytes through <paramref name="accept"/> (which keeps them or throws), then
    /// counts and logs what was kept; a refusal fails the span and names a key mismatch on its own.
    /// </summary>
    private async Task<PeerMessage> KeepReplicaAsync(PeerSession session, PipeReader body, Activity? activity, string key, long sealedLength, Func<Stream, Task<(ApplyOutcome Outcome, string? BlobId)>> accept)
    {
        try
        {
            (ApplyOutcome Outcome, string? BlobId) kept;
            await using (var stream = body.AsStream(leaveOpen: true))
            {
                kept = await accept(stream);
            }

            metrics.Replicated(sealedLength, "received");
            metrics.ObjectStored("replica");
            LogReplicaStored(key, kept.BlobId, session.Peer.Name, kept.Outcome);
            return new ReplicaStored(Outcome(kept.Outcome));
        }
        catch (Exception ex) when (ex is ObjectIntegrityException or IOException && ex is not PeerDisconnectedException)
        {
            NodeTracing.Fail(activity, ex);
            if (ex is KeyMismatchException mismatch)
            {
                LogKeyMismatch(key, session.Peer.Name, mismatch.ObjectKeyId, mismatch.NodeKeyId);
            }

            throw;
        }
    }

    private async Task<TombstoneStored> StoreTombstoneAsync(PeerSession session, IncomingRequest request, StoreTombstone tombstone)
    {
        var entry = tombstone.Entry.FromWire(clock);
        using var activity = tracing.StartPeerServer("ReceiveTombstone", entry.Key, request.Envelope.TraceParent, request.Envelope.TraceState, session.Peer.Name, session.RemoteEndPoint);
        if (!entry.Deleted)
        {
            throw new InvalidEntryException("A tombstone must be a delete.");
        }

        return new TombstoneStored(Outcome(await store.ApplyTombstoneAsync(entry)));
    }

    private EntryInfo GetEntry(GetEntry get)
    {
        if (!ObjectKey.Validate(get.Key, out var error))
        {
            throw new InvalidEntryException(error);
        }

        return store.Index.TryGet(get.Key, out var entry)
            ? new EntryInfo(entry.ToWire(), store.HoldsBlobOf(entry))
            : new EntryInfo(null, false);
    }

    /// <summary>Answers with the object's stream itself (so returns no reply), or with an error.</summary>
    private async Task<PeerMessage?> FetchAsync(PeerSession session, IncomingRequest request, FetchObject fetch, CancellationToken cancellationToken)
    {
        using var activity = tracing.StartPeerServer("ServeFetch", fetch.Key, request.Envelope.TraceParent, request.Envelope.TraceState, session.Peer.Name, session.RemoteEndPoint);
        var wanted = fetch.Version is null ? ObjectVersion.Zero : Mentioned(fetch.Version);
        if (!ObjectKey.Validate(fetch.Key, out _) || !store.TryGetLocal(fetch.Key, out var entry) || entry.Version < wanted)
        {
            activity?.SetTag("peervault.found", false);
            return new PeerError(PeerError.NotFound, $"No copy of '{fetch.Key}' at that version here.");
        }

        activity?.SetTag("peervault.object_id", entry.BlobId);
        activity?.SetTag("peervault.bytes", entry.SealedLength);
        var (sealedObject, chunksOmitted) = store.OpenSealedFrom(entry, fetch.Offset);
        await using (sealedObject)
        {
            activity?.SetTag("peervault.chunks_omitted", chunksOmitted);
            await session.ReplyWithStreamAsync(request, new ObjectFound(entry.ToWire(), chunksOmitted), sealedObject, cancellationToken);
        }

        metrics.Replicated(entry.SealedLength, "sent");
        return null;
    }

    private KeyPage List(ListKeys list)
    {
        var limit = Math.Clamp(list.Limit, 1, MaxEntriesPerMessage);
        var page = store.Index.Page(list.Prefix, list.After, limit);
        var entries = new List<WireEntry>(page.Count);
        var bytes = 0;
        foreach (var entry in page)
        {
            bytes += WireEntries.EstimatedJsonBytes(entry);
            if (bytes > MaxEntryBytesPerMessage && entries.Count > 0)
            {
                // Truncated: the requester asks again after the last key sent.
                return new KeyPage(entries, Truncated: true);
            }

            entries.Add(entry.ToWire());
        }

        return new KeyPage(entries, page.Count >= limit);
    }

    private PartitionsDiffer ComparePartitions(ComparePartitions compare)
    {
        if (compare.Partitions.Count != compare.Digests.Count)
        {
            throw new InvalidEntryException("Each partition needs one digest.");
        }

        var differing = new List<int>();
        for (var i = 0; i < compare.Partitions.Count; i++)
        {
            var partition = compare.Partitions[i];
            if (partition is < 0 or >= KeyPartition.Count || !PartitionDigest.TryParse(compare.Digests[i], out var theirs))
            {
                throw new InvalidEntryException($"Partition {partition} or its digest is not valid.");
            }

            if (store.Index.DigestOf(partition) != theirs)
            {
                differing.Add(partition);
            }
        }

        return new PartitionsDiffer(differing);
    }

    /// <summary>Answers with what this node holds newer than (or unknown to) the requester, and the keys it wants.</summary>
    private EntriesDiffer CompareEntries(CompareEntries compare)
    {
        var theirs = new Dictionary<string, ObjectVersion>(StringComparer.Ordinal);
        foreach (var entry in compare.Entries)
        {
            theirs[entry.Key] = Mentioned(entry.Version);
        }

        var newer = new List<WireEntry>();
        var newerBytes = 0;
        var wanted = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var truncated = false;
        foreach (var partition in compare.Partitions.Where(p => p is >= 0 and < KeyPartition.Count))
        {
            foreach (var mine in store.Index.EntriesIn(partition))
            {
                seen.Add(mine.Key);
                if (!theirs.TryGetValue(mine.Key, out var version) || version < mine.Version)
                {
                    // One answer must fit a frame: the requester asks again for the rest.
                    if (newer.Count < MaxEntriesPerMessage && (newerBytes += WireEntries.EstimatedJsonBytes(mine)) <= MaxEntryBytesPerMessage)
                    {
                        newer.Add(mine.ToWire());
                    }
                    else
                    {
                        truncated = true;
                    }
                }
                else if (version > mine.Version)
                {
                    wanted.Add(mine.Key);
                }
            }
        }

        wanted.AddRange(theirs.Keys.Where(k => !seen.Contains(k)));
        return new EntriesDiffer(newer, [.. wanted.Take(MaxEntriesPerMessage)], truncated || wanted.Count > MaxEntriesPerMessage);
    }

    /// <summary>
    /// A version a peer names without sending its entry (it holds it, wants it, collects it): the
    /// clock moves past it as past every version this node reads, unless it is too far ahead, which
    /// is refused where an entry carrying it would be kept (a far-future version a peer only
    /// mentions in a comparison must not stop the comparison of every other key).
    /// </summary>
    private ObjectVersion Mentioned(string? text)
    {
        var version = WireEntries.ParseVersion(text);
        clock.TryObserve(version);
        return version;
    }

    private static string Outcome(ApplyOutcome outcome) => outcome.ToString().ToLowerInvariant();

    [LoggerMessage(Level = LogLevel.Debug, Message = "Stored replica of {Key} (blob {BlobId}) from {PeerName}: {Outcome}")]
    private partial void LogReplicaStored(string key, string? blobId, string peerName, ApplyOutcome outcome);

    [LoggerMessage(Level = LogLevel.Error, Message = "Refused replica of {Key} from {PeerName}: cluster key id mismatch, object sealed with key id {ObjectKeyId} but this node holds key id {NodeKeyId}")]
    private partial void LogKeyMismatch(string key, string peerName, string objectKeyId, string nodeKeyId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused {Request} from {PeerName}: {ErrorCode}: {Error}")]
    private partial void LogRefused(string request, string peerName, string errorCode, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused {Request} from {PeerName}: {Reason}")]
    private partial void LogFutureVersion(string peerName, string request, string reason);
}
