using System.Collections.Concurrent;
using PeerVault.Node.Protocol;
using PeerVault.Node.Storage;

namespace PeerVault.Node.Cluster;

/// <summary>Which peers confirmed a replica durable, and which refused or failed (with why).</summary>
public sealed record ReplicationResult(IReadOnlyList<string> Replicas, IReadOnlyList<string> Failures);

/// <summary>
/// This node asking its peers: push a replica to each of them, pull an object this node lacks,
/// pass on a tombstone. Replicas travel as the sealed bytes on disk; a transfer keeps running
/// after the client has its answer, so the remaining peers still get their copy.
/// </summary>
public sealed partial class Replicator(PeerManager peers, ObjectStore store, IHostApplicationLifetime lifetime, ILogger<Replicator> logger)
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Sends <paramref name="entry"/> to every connected peer and returns as soon as
    /// <paramref name="required"/> of them hold it durably, or when every transfer has ended.
    /// </summary>
    public async Task<ReplicationResult> ReplicateAsync(IndexEntry entry, int required, CancellationToken cancellationToken)
    {
        var replicas = new ConcurrentQueue<string>();
        var failures = new ConcurrentQueue<string>();
        var enough = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var transfers = peers.Connected.Select(async session =>
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

        var all = Task.WhenAll(transfers);
        if (required <= 0)
        {
            enough.TrySetResult();
        }

        await Task.WhenAny(enough.Task, all).WaitAsync(cancellationToken);
        return new ReplicationResult([.. replicas], [.. failures]);
    }

    /// <summary>Returns null on success, else the reason the peer does not hold the replica.</summary>
    private async Task<string?> SendReplicaAsync(PeerSession session, IndexEntry entry)
    {
        // Not the request's token: a client that hangs up must not cut a replica off half-way.
        var stopping = lifetime.ApplicationStopping;
        try
        {
            await using var sealedObject = store.OpenSealed(entry);
            var header = new StreamHeader { StreamId = 0, Purpose = StreamPurpose.Replicate, Entry = entry };
            var reply = await session.SendStreamAsync(header, sealedObject, ReplyTimeout(entry.SealedLength), stopping);
            if (reply is { Kind: MessageKind.ReplicaStored })
            {
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

            return $"{reply?.ErrorCode}: {reply?.Error}";
        }
        catch (Exception ex) when (ex is IOException or TimeoutException or OperationCanceledException or ObjectDisposedException)
        {
            LogReplicaFailed(entry.Key, session.Peer.Name, ex.Message);
            return ex.Message;
        }
    }

    /// <summary>Fetches <paramref name="key"/> from the first peer that has it, verifies and keeps it locally.</summary>
    public async Task<(IndexEntry Entry, string Peer)?> FetchAsync(string key, CancellationToken cancellationToken)
    {
        foreach (var session in peers.Connected.OrderBy(_ => Random.Shared.Next()))
        {
            try
            {
                var reply = await session.RequestAsync(new PeerMessage { Kind = MessageKind.Fetch, Key = key }, RequestTimeout, cancellationToken);
                if (reply is not { Stream: { } header, Body: { } body })
                {
                    continue;
                }

                await using (var stream = body.AsStream())
                {
                    if (!string.Equals(header.Entry.Key, key, StringComparison.Ordinal))
                    {
                        throw new ObjectIntegrityException($"Asked for '{key}' but received '{header.Entry.Key}'.");
                    }

                    await store.AcceptReplicaAsync(header.Entry, stream, cancellationToken);
                }

                return (header.Entry, session.Peer.Name);
            }
            catch (Exception ex) when (ex is IOException or TimeoutException or ObjectIntegrityException)
            {
                LogFetchFailed(key, session.Peer.Name, ex.Message);
            }
        }

        return null;
    }

    /// <summary>Sends a tombstone to every connected peer; returns the peers that applied it.</summary>
    public async Task<IReadOnlyList<string>> BroadcastDeleteAsync(IndexEntry tombstone, CancellationToken cancellationToken)
    {
        var acknowledged = await Task.WhenAll(peers.Connected.Select(async session =>
        {
            try
            {
                var reply = await session.RequestAsync(new PeerMessage { Kind = MessageKind.Delete, Entry = tombstone }, RequestTimeout, cancellationToken);
                return reply.Message?.Kind == MessageKind.Ack ? session.Peer.Name : null;
            }
            catch (Exception ex) when (ex is IOException or TimeoutException)
            {
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
