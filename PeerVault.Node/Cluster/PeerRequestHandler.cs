using System.IO.Pipelines;
using PeerVault.Node.Diagnostics;
using PeerVault.Node.Protocol;
using PeerVault.Node.Storage;

namespace PeerVault.Node.Cluster;

/// <summary>
/// Serves what peers ask of this node: keep a replica (a Replicate stream), send an object
/// (Fetch), apply a tombstone (Delete). A replica is kept only if it hashes to its announced id
/// and decrypts under a key this node holds; the sender always gets an answer that says why not.
/// </summary>
public sealed partial class PeerRequestHandler(ObjectStore store, NodeTracing tracing, NodeMetrics metrics, ILogger<PeerRequestHandler> logger) : IPeerRequestHandler
{
    public async Task OnStreamAsync(PeerSession session, StreamHeader header, PipeReader body, CancellationToken cancellationToken)
    {
        if (header.Purpose != StreamPurpose.Replicate)
        {
            await body.CompleteAsync();
            return;
        }

        using var activity = tracing.StartPeerServer("ReceiveReplica", header.Entry.Key, header.TraceParent, header.TraceState, session);
        activity?.SetTag("peervault.object_id", header.Entry.BlobId);
        activity?.SetTag("peervault.bytes", header.Entry.SealedLength);
        PeerMessage reply;
        try
        {
            await using (var stream = body.AsStream())
            {
                var applied = await store.AcceptReplicaAsync(header.Entry, stream, cancellationToken);
                LogReplicaStored(header.Entry.Key, header.Entry.BlobId, session.Peer.Name, applied);
            }

            metrics.Replicated(header.Entry.SealedLength, "received");
            metrics.ObjectStored("replica");
            reply = new PeerMessage { Kind = MessageKind.ReplicaStored, ReplyTo = header.StreamId, Key = header.Entry.Key };
        }
        catch (KeyMismatchException ex)
        {
            LogKeyMismatch(header.Entry.Key, session.Peer.Name, ex.ObjectKeyId, ex.NodeKeyId);
            NodeTracing.Fail(activity, ex);
            reply = Failure(header, ex);
        }
        catch (Exception ex) when (ex is ObjectIntegrityException or IOException && ex is not PeerDisconnectedException)
        {
            LogReplicaRefused(header.Entry.Key, session.Peer.Name, StorageErrors.CodeOf(ex), ex.Message);
            NodeTracing.Fail(activity, ex);
            reply = Failure(header, ex);
        }

        await session.SendAsync(reply, cancellationToken);
    }

    public async Task OnMessageAsync(PeerSession session, PeerMessage message, CancellationToken cancellationToken)
    {
        using var activity = tracing.StartPeerServer(message.Kind == MessageKind.Fetch ? "ServeFetch" : $"Handle{message.Kind}", message.Key ?? message.Entry?.Key, message.TraceParent, message.TraceState, session);
        switch (message.Kind)
        {
            case MessageKind.Fetch when ObjectKey.Validate(message.Key, out _) && store.TryGetLocal(message.Key!, out var entry):
                await using (var sealedObject = store.OpenSealed(entry))
                {
                    var header = new StreamHeader { StreamId = 0, Purpose = StreamPurpose.FetchReply, ReplyTo = message.Id, Entry = entry };
                    await session.SendStreamAsync(header, sealedObject, replyTimeout: null, cancellationToken);
                }

                activity?.SetTag("peervault.object_id", entry.BlobId);
                activity?.SetTag("peervault.bytes", entry.SealedLength);
                metrics.Replicated(entry.SealedLength, "sent");

                LogServedFetch(entry.Key, session.Peer.Name);
                break;

            case MessageKind.Fetch:
                await session.SendAsync(new PeerMessage { Kind = MessageKind.NotFound, ReplyTo = message.Id, Key = message.Key }, cancellationToken);
                break;

            case MessageKind.Delete when message.Entry is { Deleted: true } tombstone && ObjectKey.Validate(tombstone.Key, out _):
                store.Apply(tombstone with { BlobId = null });
                await session.SendAsync(new PeerMessage { Kind = MessageKind.Ack, ReplyTo = message.Id, Key = tombstone.Key }, cancellationToken);
                break;

            default:
                await session.SendAsync(new PeerMessage { Kind = MessageKind.Error, ReplyTo = message.Id, ErrorCode = "unsupported", Error = $"Cannot handle {message.Kind}." }, cancellationToken);
                break;
        }
    }

    private static PeerMessage Failure(StreamHeader header, Exception ex)
        => new() { Kind = MessageKind.Error, ReplyTo = header.StreamId, Key = header.Entry.Key, ErrorCode = StorageErrors.CodeOf(ex), Error = ex.Message };

    [LoggerMessage(Level = LogLevel.Debug, Message = "Stored replica of {Key} (blob {BlobId}) from {PeerName}; newer than local: {Applied}")]
    private partial void LogReplicaStored(string key, string? blobId, string peerName, bool applied);

    [LoggerMessage(Level = LogLevel.Error, Message = "Refused replica of {Key} from {PeerName}: cluster key id mismatch, object sealed with key id {ObjectKeyId} but this node holds key id {NodeKeyId}")]
    private partial void LogKeyMismatch(string key, string peerName, string objectKeyId, string nodeKeyId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused replica of {Key} from {PeerName}: {ErrorCode}: {Error}")]
    private partial void LogReplicaRefused(string key, string peerName, string errorCode, string error);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Sent {Key} to {PeerName}")]
    private partial void LogServedFetch(string key, string peerName);
}
