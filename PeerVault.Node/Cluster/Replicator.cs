using System.Collections.Concurrent;
using System.Diagnostics;
using PeerVault.Node.Diagnostics;
using PeerVault.Node.Protocol;
using PeerVault.Node.Storage;

namespace PeerVault.Node.Cluster;

/// <summary>Which peers confirmed a replica durable, and which refused or failed (with why).</summary>
public sealed record ReplicationResult(IReadOnlyList<string> Replicas, IReadOnlyList<string> Failures);

/// <summary>What a fetch from peers found: the object and who sent it, or why no copy could be used.</summary>
public sealed record FetchResult(IndexEntry? Entry, string? Peer, IReadOnlyList<string> CorruptCopies)
{
    public bool Found => Entry is not null;
}

/// <summary>
/// This node asking its peers: push a replica to each of them, pull an object this node lacks,
/// pass on a tombstone. Replicas travel as the sealed bytes on disk; a transfer keeps running
/// after the client has its answer, so the remaining peers still get their copy. Every call
/// is a client span whose context rides in the P2P message.
/// </summary>
public sealed partial class Replicator
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    private readonly PeerManager _peers;
    private readonly ObjectStore _store;
    private readonly NodeTracing _tracing;
    private readonly NodeMetrics _metrics;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILogger<Replicator> _logger;
    private readonly ConcurrentDictionary<string, byte> _underReplicated = new(StringComparer.Ordinal);

    public Replicator(PeerManager peers, ObjectStore store, NodeTracing tracing, NodeMetrics metrics, IHostApplicationLifetime lifetime, ILogger<Replicator> logger)
    {
        _peers = peers;
        _store = store;
        _tracing = tracing;
        _metrics = metrics;
        _lifetime = lifetime;
        _logger = logger;
        metrics.ObserveUnderReplicated(() => _underReplicated.Count);
    }

    /// <summary>Objects this node wrote that some peer it knows of does not hold yet.</summary>
    public int UnderReplicatedCount => _underReplicated.Count;

    /// <summary>
    /// Sends <paramref name="entry"/> to every connected peer and returns as soon as
    /// <paramref name="required"/> of them hold it durably, or when every transfer has ended.
    /// </summary>
    public async Task<ReplicationResult> ReplicateAsync(IndexEntry entry, int required, CancellationToken cancellationToken)
    {
        var replicas = new ConcurrentQueue<string>();
        var failures = new ConcurrentQueue<string>();
        var enough = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var targets = _peers.Connected;
        var transfers = targets.Select(async session =>
        {
            var error = await SendReplicaAsync(session, entry);
            if (error is null)
            {
                replicas.Enqueue(session.Peer.Name);
                if (replicas.Count >= required)
                {
                    enough.TrySetResult();
                }
            }
            else
            {
                failures.Enqueue($"{session.Peer.Name}: {error}");
            }
        }).ToList();

        // Completes only once the replication status is recorded, so a caller that waited for every
        // transfer (the quorum could not be met earlier) sees it in /v1/cluster straight away.
        var all = RecordOutcomeAsync(Task.WhenAll(transfers), entry.Key, replicas);
        if (required <= 0)
        {
            enough.TrySetResult();
        }

        await Task.WhenAny(enough.Task, all).WaitAsync(cancellationToken);
        return new ReplicationResult([.. replicas], [.. failures]);
    }

    private async Task RecordOutcomeAsync(Task transfers, string key, ConcurrentQueue<string> replicas)
    {
        try
        {
            await transfers;
        }
        finally
        {
            if (replicas.Count < _peers.ExpectedPeerCount)
            {
                _underReplicated[key] = 0;
            }
            else
            {
                _underReplicated.TryRemove(key, out _);
            }
        }
    }

    /// <summary>Returns null on success, else the reason the peer does not hold the replica.</summary>
    private async Task<string?> SendReplicaAsync(PeerSession session, IndexEntry entry)
    {
        using var activity = _tracing.StartPeerCall("ReplicateObject", entry.Key, session);
        activity?.SetTag("peervault.object_id", entry.BlobId);
        activity?.SetTag("peervault.bytes", entry.SealedLength);
        var started = Stopwatch.GetTimestamp();
        // Not the request's token: a client that hangs up must not cut a replica off half-way.
        var stopping = _lifetime.ApplicationStopping;
        string? error;
        try
        {
            await using var sealedObject = _store.OpenSealed(entry);
            var (traceParent, traceState) = NodeTracing.Current();
            var header = new StreamHeader { StreamId = 0, Purpose = StreamPurpose.Replicate, Entry = entry, TraceParent = traceParent, TraceState = traceState };
            var reply = await session.SendStreamAsync(header, sealedObject, ReplyTimeout(entry.SealedLength), stopping);
            _metrics.Replicated(entry.SealedLength, "sent");
            if (reply is { Kind: MessageKind.ReplicaStored })
            {
                _metrics.ReplicationFinished(Stopwatch.GetElapsedTime(started), "stored");
                return null;
            }

            if (reply?.ErrorCode == StorageErrors.KeyMismatch)
            {
                LogKeyMismatch(entry.Key, session.Peer.Name, reply.Error);
            }
            else
            {
                LogReplicaRefused(entry.Key, session.Peer.Name, reply?.ErrorCode, reply?.Error);
            }

            error = $"{reply?.ErrorCode}: {reply?.Error}";
            activity?.SetStatus(ActivityStatusCode.Error, error);
            activity?.SetTag("error.type", reply?.ErrorCode);
        }
        catch (Exception ex) when (ex is IOException or TimeoutException or OperationCanceledException or ObjectDisposedException)
        {
            LogReplicaFailed(entry.Key, session.Peer.Name, ex.Message);
            NodeTracing.Fail(activity, ex);
            error = ex.Message;
        }

        _metrics.ReplicationFinished(Stopwatch.GetElapsedTime(started), "failed");
        return error;
    }

    /// <summary>Fetches <paramref name="key"/> from the first peer that has a good copy, verifies and keeps it locally.</summary>
    public async Task<FetchResult> FetchAsync(string key, CancellationToken cancellationToken)
    {
        var corrupt = new List<string>();
        foreach (var session in _peers.Connected.OrderBy(_ => Random.Shared.Next()))
        {
            using var activity = _tracing.StartPeerCall("FetchObject", key, session);
            try
            {
                var (traceParent, traceState) = NodeTracing.Current();
                var request = new PeerMessage { Kind = MessageKind.Fetch, Key = key, TraceParent = traceParent, TraceState = traceState };
                var reply = await session.RequestAsync(request, RequestTimeout, cancellationToken);
                if (reply is not { Stream: { } header, Body: { } body })
                {
                    activity?.SetTag("peervault.found", false);
                    continue;
                }

                await using (var stream = body.AsStream())
                {
                    if (!string.Equals(header.Entry.Key, key, StringComparison.Ordinal))
                    {
                        throw new ObjectIntegrityException($"Asked for '{key}' but received '{header.Entry.Key}'.");
                    }

                    await _store.AcceptReplicaAsync(header.Entry, stream, cancellationToken);
                }

                activity?.SetTag("peervault.found", true);
                activity?.SetTag("peervault.object_id", header.Entry.BlobId);
                activity?.SetTag("peervault.bytes", header.Entry.SealedLength);
                _metrics.Replicated(header.Entry.SealedLength, "received");
                _metrics.ObjectStored("replica");
                return new FetchResult(header.Entry, session.Peer.Name, corrupt);
            }
            catch (ObjectIntegrityException ex)
            {
                corrupt.Add($"{session.Peer.Name}: {ex.Message}");
                NodeTracing.Fail(activity, ex);
                LogFetchFailed(key, session.Peer.Name, ex.Message);
            }
            catch (Exception ex) when (ex is IOException or TimeoutException)
            {
                NodeTracing.Fail(activity, ex);
                LogFetchFailed(key, session.Peer.Name, ex.Message);
            }
        }

        return new FetchResult(null, null, corrupt);
    }

    /// <summary>Sends a tombstone to every connected peer; returns the peers that applied it.</summary>
    public async Task<IReadOnlyList<string>> BroadcastDeleteAsync(IndexEntry tombstone, CancellationToken cancellationToken)
    {
        var acknowledged = await Task.WhenAll(_peers.Connected.Select(async session =>
        {
            using var activity = _tracing.StartPeerCall("DeleteReplica", tombstone.Key, session);
            try
            {
                var (traceParent, traceState) = NodeTracing.Current();
                var request = new PeerMessage { Kind = MessageKind.Delete, Entry = tombstone, TraceParent = traceParent, TraceState = traceState };
                var reply = await session.RequestAsync(request, RequestTimeout, cancellationToken);
                return reply.Message?.Kind == MessageKind.Ack ? session.Peer.Name : null;
            }
            catch (Exception ex) when (ex is IOException or TimeoutException)
            {
                NodeTracing.Fail(activity, ex);
                LogReplicaFailed(tombstone.Key, session.Peer.Name, ex.Message);
                return null;
            }
        }));
        return [.. acknowledged.OfType<string>()];
    }

    /// <summary>Time to wait for a replica's answer after its last byte: verification and fsync grow with size.</summary>
    private static TimeSpan ReplyTimeout(long bytes) => TimeSpan.FromSeconds(30 + (bytes / (20 << 20)));

    [LoggerMessage(Level = LogLevel.Error, Message = "Peer {PeerName} refused replica of {Key}: cluster key id mismatch ({Detail})")]
    private partial void LogKeyMismatch(string key, string peerName, string? detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Peer {PeerName} refused replica of {Key}: {ErrorCode}: {Error}")]
    private partial void LogReplicaRefused(string key, string peerName, string? errorCode, string? error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Replicating {Key} to {PeerName} failed: {Error}")]
    private partial void LogReplicaFailed(string key, string peerName, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Fetching {Key} from {PeerName} failed: {Error}")]
    private partial void LogFetchFailed(string key, string peerName, string error);
}
