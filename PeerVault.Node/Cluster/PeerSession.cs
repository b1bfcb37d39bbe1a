using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net;
using System.Text.Json;
using PeerVault.Node.Protocol;
using PeerVault.Node.Security;

namespace PeerVault.Node.Cluster;

/// <summary>
/// One authenticated connection to a peer. A single read loop dispatches frames: replies complete
/// the request that awaits them, new requests and streams go to the <see cref="IPeerRequestHandler"/>
/// on their own tasks, and stream data is pushed into a per-stream pipe whose back-pressure is
/// bounded, so a slow consumer delays its own stream rather than buffering without limit.
/// Streams are sent as frames of at most <see cref="StreamChunkSize"/> bytes, so concurrent
/// transfers interleave on the connection.
/// </summary>
public sealed partial class PeerSession : IAsyncDisposable
{
    public const int StreamChunkSize = 256 * 1024;
    private const int StreamPrefixSize = 5;

    private readonly FrameConnection _connection;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<long, TaskCompletionSource<PeerReply>> _pending = new();
    private readonly ConcurrentDictionary<uint, Pipe> _incoming = new();
    private readonly CancellationTokenSource _closing = new();
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _nextId;
    private long _lastReceivedTicks;

    public PeerSession(FrameConnection connection, HandshakeResult handshake, EndPoint? remote, TimeProvider time, ILogger logger)
    {
        _connection = connection;
        _logger = logger;
        Time = time;
        Peer = handshake.Peer;
        IsDialer = handshake.IsDialer;
        RemoteEndPoint = remote;
        ConnectedAt = time.GetUtcNow();
        _lastReceivedTicks = ConnectedAt.UtcTicks;
        connection.Protect(handshake.Protector);
    }

    public NodeIdentity Peer { get; }

    public bool IsDialer { get; }

    public EndPoint? RemoteEndPoint { get; }

    public DateTimeOffset ConnectedAt { get; }

    public DateTimeOffset LastReceived => new(Interlocked.Read(ref _lastReceivedTicks), TimeSpan.Zero);

    /// <summary>Completes when the connection has ended, for whatever reason.</summary>
    public Task Completion => _completion.Task;

    public bool IsOpen => !_completion.Task.IsCompleted;

    private TimeProvider Time { get; }

    /// <summary>Runs the read loop until the connection ends; never throws.</summary>
    public void Start(IPeerRequestHandler handler) => _ = Task.Run(() => ReadLoopAsync(handler));

    public async Task SendAsync(PeerMessage message, CancellationToken cancellationToken)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(message, PeerVaultJsonContext.Default.PeerMessage);
        await _connection.WriteFrameAsync(FrameType.Message, bytes, cancellationToken);
    }

    /// <summary>Sends a request and waits for its reply (a message or a stream).</summary>
    public async Task<PeerReply> RequestAsync(PeerMessage request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var id = NextId();
        var reply = Expect(id);
        try
        {
            await SendAsync(request with { Id = id }, cancellationToken);
            return await reply.Task.WaitAsync(timeout, cancellationToken);
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    /// <summary>
    /// Streams <paramref name="source"/> to the peer under <paramref name="header"/> (its
    /// <see cref="StreamHeader.StreamId"/> is assigned here). With <paramref name="replyTimeout"/>,
    /// waits for the peer's reply to the stream and returns it.
    /// </summary>
    public async Task<PeerMessage?> SendStreamAsync(StreamHeader header, Stream source, TimeSpan? replyTimeout, CancellationToken cancellationToken)
    {
        var id = (uint)NextId();
        var reply = replyTimeout is null ? null : Expect(id);
        try
        {
            var headerBytes = JsonSerializer.SerializeToUtf8Bytes(header with { StreamId = id }, PeerVaultJsonContext.Default.StreamHeader);
            await _connection.WriteFrameAsync(FrameType.StreamHeader, headerBytes, cancellationToken);
            await SendStreamBodyAsync(id, source, cancellationToken);
            if (reply is null)
            {
                return null;
            }

            var answer = await reply.Task.WaitAsync(replyTimeout!.Value, cancellationToken);
            return answer.Message ?? throw new PeerDisconnectedException($"{Peer.Name} answered a stream with a stream.");
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    private async Task SendStreamBodyAsync(uint id, Stream source, CancellationToken cancellationToken)
    {
        var prefix = new byte[StreamPrefixSize];
        BinaryPrimitives.WriteUInt32BigEndian(prefix, id);
        var buffer = ArrayPool<byte>.Shared.Rent(StreamChunkSize);
        var status = StreamStatus.Aborted;
        try
        {
            int read;
            while ((read = await source.ReadAtLeastAsync(buffer.AsMemory(0, StreamChunkSize), StreamChunkSize, throwOnEndOfStream: false, cancellationToken)) > 0)
            {
                await _connection.WriteFrameAsync(FrameType.StreamData, prefix.AsMemory(0, 4), buffer.AsMemory(0, read), cancellationToken);
            }

            status = StreamStatus.Complete;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            // Tell the receiver either way, so it can discard a half-received object at once.
            prefix[4] = (byte)status;
            if (IsOpen)
            {
                try
                {
                    await _connection.WriteFrameAsync(FrameType.StreamEnd, prefix, CancellationToken.None);
                }
                catch (Exception ex) when (status == StreamStatus.Aborted && ex is IOException or ObjectDisposedException)
                {
                    // The connection died too; the receiver sees that instead.
                }
            }
        }
    }

    private TaskCompletionSource<PeerReply> Expect(long id)
    {
        var reply = new TaskCompletionSource<PeerReply>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = reply;
        if (!IsOpen)
        {
            reply.TrySetException(new PeerDisconnectedException($"Connection to {Peer.Name} is closed."));
        }

        return reply;
    }

    private int NextId()
    {
        var id = Interlocked.Increment(ref _nextId);
        return id > 0 ? id : Interlocked.Exchange(ref _nextId, 1);
    }

    private async Task ReadLoopAsync(IPeerRequestHandler handler)
    {
        Exception? failure = null;
        try
        {
            while (await _connection.ReadFrameAsync(_closing.Token) is { } frame)
            {
                Interlocked.Exchange(ref _lastReceivedTicks, Time.GetUtcNow().UtcTicks);
                using (frame)
                {
                    await DispatchAsync(frame, handler);
                }
            }
        }
        catch (Exception ex)
        {
            failure = ex;
        }
        finally
        {
            await CloseAsync(failure);
        }
    }

    private async Task DispatchAsync(Frame frame, IPeerRequestHandler handler)
    {
        switch (frame.Type)
        {
            case FrameType.Message:
                var message = Deserialize(frame, PeerVaultJsonContext.Default.PeerMessage);
                if (message.Kind == MessageKind.Ping)
                {
                    _ = SendQuietlyAsync(new PeerMessage { Kind = MessageKind.Pong, ReplyTo = message.Id });
                }
                else if (message.ReplyTo != 0)
                {
                    if (_pending.TryGetValue(message.ReplyTo, out var waiter))
                    {
                        waiter.TrySetResult(new PeerReply(message, null, null));
                    }
                }
                else
                {
                    _ = Task.Run(() => HandleAsync(() => handler.OnMessageAsync(this, message, _closing.Token), message.Kind.ToString()));
                }

                break;

            case FrameType.StreamHeader:
                var header = Deserialize(frame, PeerVaultJsonContext.Default.StreamHeader);
                var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 4 * StreamChunkSize, resumeWriterThreshold: 2 * StreamChunkSize, useSynchronizationContext: false));
                if (!_incoming.TryAdd(header.StreamId, pipe))
                {
                    throw new PeerProtocolException(RejectReason.Malformed, $"Stream {header.StreamId} opened twice.");
                }

                if (header.ReplyTo != 0 && _pending.TryGetValue(header.ReplyTo, out var streamWaiter))
                {
                    streamWaiter.TrySetResult(new PeerReply(null, header, pipe.Reader));
                }
                else if (header.ReplyTo != 0)
                {
                    // Nobody waits any more (timed out): drain and drop.
                    await pipe.Reader.CompleteAsync();
                }
                else
                {
                    _ = Task.Run(() => HandleAsync(() => handler.OnStreamAsync(this, header, pipe.Reader, _closing.Token), header.Purpose.ToString()));
                }

                break;

            case FrameType.StreamData:
                var data = frame.Payload;
                if (data.Length < 4)
                {
                    throw new PeerProtocolException(RejectReason.Malformed, "Stream data frame without a stream id.");
                }

                if (_incoming.TryGetValue(BinaryPrimitives.ReadUInt32BigEndian(data.Span), out var target))
                {
                    var flushed = await target.Writer.WriteAsync(data[4..], _closing.Token);
                    if (flushed.IsCompleted)
                    {
                        // The consumer gave up on this stream; drop the rest of it.
                        _incoming.TryRemove(BinaryPrimitives.ReadUInt32BigEndian(data.Span), out _);
                    }
                }

                break;

            case FrameType.StreamEnd:
                var end = frame.Payload.Span;
                if (end.Length != StreamPrefixSize)
                {
                    throw new PeerProtocolException(RejectReason.Malformed, "Stream end frame has the wrong length.");
                }

                if (_incoming.TryRemove(BinaryPrimitives.ReadUInt32BigEndian(end), out var finished))
                {
                    await finished.Writer.CompleteAsync((StreamStatus)end[4] == StreamStatus.Complete
                        ? null
                        : new PeerDisconnectedException($"{Peer.Name} aborted the transfer."));
                }

                break;

            default:
                throw new PeerProtocolException(RejectReason.UnexpectedFrame, $"{frame.Type} frame after the handshake.");
        }
    }

    private static T Deserialize<T>(Frame frame, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        try
        {
            return JsonSerializer.Deserialize(frame.Payload.Span, type)
                ?? throw new PeerProtocolException(RejectReason.Malformed, $"Empty {frame.Type} frame.");
        }
        catch (JsonException ex)
        {
            throw new PeerProtocolException(RejectReason.Malformed, $"Unreadable {frame.Type} frame: {ex.Message}");
        }
    }

    private async Task HandleAsync(Func<Task> handle, string what)
    {
        try
        {
            await handle();
        }
        catch (Exception ex) when (ex is OperationCanceledException or PeerDisconnectedException or IOException && !IsOpen)
        {
            // The connection ended under the handler; the close is logged once elsewhere.
        }
        catch (Exception ex)
        {
            LogHandlerFailed(ex, what, Peer.Name);
        }
    }

    private async Task SendQuietlyAsync(PeerMessage message)
    {
        try
        {
            await SendAsync(message, _closing.Token);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The read loop will notice the dead connection.
        }
    }

    /// <summary>Sends a ping; the peer's pong (or any frame) refreshes <see cref="LastReceived"/>.</summary>
    public Task PingAsync(CancellationToken cancellationToken) => SendAsync(new PeerMessage { Kind = MessageKind.Ping, Id = NextId() }, cancellationToken);

    private async Task CloseAsync(Exception? failure)
    {
        if (!_completion.TrySetResult())
        {
            return;
        }

        await _closing.CancelAsync();
        var reason = failure switch
        {
            null => "closed by peer",
            OperationCanceledException => "closed locally",
            PeerProtocolException violation => $"protocol violation ({violation.Reason}): {violation.Message}",
            _ => failure.Message,
        };
        if (failure is PeerProtocolException protocolViolation)
        {
            ProtocolViolated?.Invoke(this, protocolViolation);
        }

        LogClosed(Peer.Name, RemoteEndPoint?.ToString() ?? "?", reason);
        var gone = new PeerDisconnectedException($"Connection to {Peer.Name} ended: {reason}");
        foreach (var (_, waiter) in _pending)
        {
            waiter.TrySetException(gone);
        }

        foreach (var (id, pipe) in _incoming)
        {
            _incoming.TryRemove(id, out _);
            await pipe.Writer.CompleteAsync(gone);
        }

        await _connection.DisposeAsync();
    }

    /// <summary>Raised when the peer broke the protocol, for metrics.</summary>
    public event Action<PeerSession, PeerProtocolException>? ProtocolViolated;

    public async ValueTask DisposeAsync()
    {
        await _closing.CancelAsync();
        await _connection.DisposeAsync();
        await Completion.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private enum StreamStatus : byte
    {
        Complete = 0,
        Aborted = 1,
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Connection to peer {PeerName} at {RemoteEndPoint} ended: {Reason}")]
    private partial void LogClosed(string peerName, string remoteEndPoint, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Handling {What} from {PeerName} failed")]
    private partial void LogHandlerFailed(Exception exception, string what, string peerName);
}
