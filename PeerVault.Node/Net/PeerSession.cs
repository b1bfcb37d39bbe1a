using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Net;
using PeerVault.Node.Net.Rpc;
using PeerVault.Node.Security;

namespace PeerVault.Node.Net;

/// <summary>A request a peer made of this node: the envelope, and the stream that followed it, if any.</summary>
public sealed record IncomingRequest(Envelope Envelope, PipeReader? Body)
{
    public PeerMessage Message => Envelope.Body;
}

/// <summary>What a node does with the requests its peers make (everything but pings, which sessions answer).</summary>
public interface IPeerRequestHandler
{
    Task HandleAsync(PeerSession session, IncomingRequest request, CancellationToken cancellationToken);
}

/// <summary>The peer went away (or was closed) before answering.</summary>
public sealed class PeerDisconnectedException : IOException
{
    public PeerDisconnectedException()
    {
    }

    public PeerDisconnectedException(string message)
        : base(message)
    {
    }

    public PeerDisconnectedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// One authenticated connection to a peer, speaking typed requests and responses
/// (<see cref="PeerRequest{TResponse}"/>). A single read loop dispatches frames: replies complete
/// the request that awaits them, new requests and streams go to the <see cref="IPeerRequestHandler"/>
/// on their own tasks, and stream data is pushed into a per-stream pipe whose back-pressure is
/// bounded, so a slow consumer delays its own stream rather than buffering without limit. Streams
/// are sent as frames of at most <see cref="StreamChunkSize"/> bytes, so concurrent transfers
/// interleave on the connection. Every request carries the sender's W3C trace context.
/// </summary>
public sealed partial class PeerSession : IAsyncDisposable
{
    public const int StreamChunkSize = 256 * 1024;
    private const int StreamPrefixSize = 5;

    private readonly FrameConnection _connection;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<long, TaskCompletionSource<Reply>> _pending = new();
    private readonly ConcurrentDictionary<uint, Pipe> _incoming = new();
    private readonly CancellationTokenSource _closing = new();
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _nextId;
    private int _handling;
    private int _started;
    private long _lastReceivedTicks;

    public PeerSession(FrameConnection connection, HandshakeResult handshake, EndPoint? remote, TimeProvider time, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(handshake);
        ArgumentNullException.ThrowIfNull(time);
        _connection = connection;
        _logger = logger;
        _time = time;
        Peer = handshake.Peer;
        PeerKeys = handshake.PeerKeys;
        IsDialer = handshake.IsDialer;
        RemoteEndPoint = remote;
        ConnectedAt = time.GetUtcNow();
        _lastReceivedTicks = ConnectedAt.UtcTicks;
        if (handshake.ClockSample is { } first)
        {
            ClockOffset.Add(first);
        }

        connection.Seal(handshake.Sealer);
    }

    public NodeIdentity Peer { get; }

    /// <summary>The cluster keys the peer said it holds at the handshake.</summary>
    public ClusterKeyIds? PeerKeys { get; }

    public bool IsDialer { get; }

    public EndPoint? RemoteEndPoint { get; }

    public DateTimeOffset ConnectedAt { get; }

    public DateTimeOffset LastReceived => new(Interlocked.Read(ref _lastReceivedTicks), TimeSpan.Zero);

    /// <summary>How far the peer's wall clock is from this node's: first from the handshake, then from every heartbeat's round trip.</summary>
    public ClockOffsetEstimator ClockOffset { get; } = new();

    /// <summary>Completes when the connection has ended, for whatever reason.</summary>
    public Task Completion => _completion.Task;

    public bool IsOpen => !_completion.Task.IsCompleted;

    /// <summary>Frames per second this session reads from its peer before it slows the peer down (0: no limit).</summary>
    public int MaxFramesPerSecond { get; init; }

    /// <summary>Raised when the peer sent frames faster than <see cref="MaxFramesPerSecond"/> and is being slowed down.</summary>
    public event Action<PeerSession>? Throttled;

    /// <summary>Raised when the peer broke the protocol, for metrics.</summary>
    public event Action<PeerSession, PeerProtocolException>? ProtocolViolated;

    /// <summary>Runs the read loop until the connection ends; never throws.</summary>
    public void Start(IPeerRequestHandler handler)
    {
        Volatile.Write(ref _started, 1);
        _ = Task.Run(() => ReadLoopAsync(handler));
    }

    /// <summary>Sends a request and waits for its typed response; a <see cref="PeerError"/> answer throws <see cref="PeerRequestException"/>.</summary>
    public async Task<TResponse> RequestAsync<TResponse>(PeerRequest<TResponse> request, TimeSpan timeout, CancellationToken cancellationToken)
        where TResponse : PeerMessage
    {
        var answer = await ExchangeAsync(request, body: null, timeout, cancellationToken);
        if (answer.Body is { } unexpected)
        {
            await unexpected.CompleteAsync();
        }

        return Unwrap<TResponse>(answer.Envelope);
    }

    /// <summary>Sends a request whose answer is a stream (a typed header, then the bytes the caller must read).</summary>
    public async Task<(TResponse Header, PipeReader Body)> RequestStreamAsync<TResponse>(PeerRequest<TResponse> request, TimeSpan timeout, CancellationToken cancellationToken)
        where TResponse : PeerMessage
    {
        var answer = await ExchangeAsync(request, body: null, timeout, cancellationToken);
        var header = Unwrap<TResponse>(answer.Envelope);
        return answer.Body is { } body
            ? (header, body)
            : throw new PeerRequestException(PeerError.Io, $"{Peer.Name} answered {request.GetType().Name} without a stream.");
    }

    /// <summary>Sends a request followed by <paramref name="source"/>'s bytes as its stream, then waits for the typed response.</summary>
    public async Task<TResponse> SendStreamAsync<TResponse>(PeerRequest<TResponse> request, Stream source, TimeSpan replyTimeout, CancellationToken cancellationToken)
        where TResponse : PeerMessage
    {
        ArgumentNullException.ThrowIfNull(source);
        var answer = await ExchangeAsync(request, source, replyTimeout, cancellationToken);
        return Unwrap<TResponse>(answer.Envelope);
    }

    /// <summary>Sends a request (as a message, or as a stream when it has a body) and waits for the reply to its id.</summary>
    private async Task<Reply> ExchangeAsync(PeerMessage request, Stream? body, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var id = NextId();
        var reply = Expect(id);
        try
        {
            var envelope = Outgoing(id, replyTo: 0, request);
            if (body is null)
            {
                await SendAsync(FrameType.Message, envelope, cancellationToken);
            }
            else
            {
                await SendStreamCoreAsync(envelope, body, cancellationToken);
            }

            return await reply.Task.WaitAsync(timeout, cancellationToken);
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    /// <summary>Answers a peer's request.</summary>
    public Task ReplyAsync(IncomingRequest request, PeerMessage reply, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return SendAsync(FrameType.Message, new Envelope(0, request.Envelope.Id, null, null, reply), cancellationToken);
    }

    /// <summary>Answers a peer's request with a typed header followed by <paramref name="source"/>'s bytes.</summary>
    public Task ReplyWithStreamAsync(IncomingRequest request, PeerMessage header, Stream source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return SendStreamCoreAsync(new Envelope(NextId(), request.Envelope.Id, null, null, header), source, cancellationToken);
    }

    /// <summary>Sends a ping; the peer's pong (or any frame) refreshes <see cref="LastReceived"/>, and the pong measures <see cref="ClockOffset"/>.</summary>
    public Task PingAsync(CancellationToken cancellationToken) => SendAsync(FrameType.Message, Outgoing(NextId(), replyTo: 0, new Ping(UnixMillis())), cancellationToken);

    private long UnixMillis() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private static Envelope Outgoing(long id, long replyTo, PeerMessage body)
    {
        var current = Activity.Current is { IdFormat: ActivityIdFormat.W3C } activity ? activity : null;
        return new Envelope(id, replyTo, current?.Id, current?.TraceStateString, body);
    }

    private TResponse Unwrap<TResponse>(Envelope envelope)
        where TResponse : PeerMessage => envelope.Body switch
        {
            TResponse response => response,
            PeerError error => throw new PeerRequestException(error.Code, $"{Peer.Name}: {error.Message}"),
            var other => throw new PeerRequestException(PeerError.Io, $"{Peer.Name} answered with {other.GetType().Name} where {typeof(TResponse).Name} was expected."),
        };

    private async Task SendAsync(FrameType type, Envelope envelope, CancellationToken cancellationToken)
    {
        await _connection.WriteFrameAsync(type, EnvelopeCodec.Encode(envelope), cancellationToken);
    }

    private async Task SendStreamCoreAsync(Envelope header, Stream source, CancellationToken cancellationToken)
    {
        var streamId = (uint)header.Id;
        await SendAsync(FrameType.StreamHeader, header, cancellationToken);
        var prefix = new byte[StreamPrefixSize];
        BinaryPrimitives.WriteUInt32BigEndian(prefix, streamId);
        // Two buffers: the next block is read from the source while the current one is sealed and sent.
        var buffer = ArrayPool<byte>.Shared.Rent(StreamChunkSize);
        var ahead = ArrayPool<byte>.Shared.Rent(StreamChunkSize);
        var status = StreamStatus.Aborted;
        var reading = ReadBlockAsync(source, buffer, cancellationToken);
        try
        {
            int read;
            while ((read = await reading) > 0)
            {
                reading = ReadBlockAsync(source, ahead, cancellationToken);
                await _connection.WriteFrameAsync(FrameType.StreamData, prefix.AsMemory(0, 4), buffer.AsMemory(0, read), cancellationToken);
                (buffer, ahead) = (ahead, buffer);
            }

            status = StreamStatus.Complete;
        }
        finally
        {
            // A read still filling a buffer must end before the buffer goes back to the pool.
            await ((Task)reading).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            ArrayPool<byte>.Shared.Return(buffer);
            ArrayPool<byte>.Shared.Return(ahead);
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

    private static Task<int> ReadBlockAsync(Stream source, byte[] buffer, CancellationToken cancellationToken)
        => source.ReadAtLeastAsync(buffer.AsMemory(0, StreamChunkSize), StreamChunkSize, throwOnEndOfStream: false, cancellationToken).AsTask();

    private TaskCompletionSource<Reply> Expect(long id)
    {
        var reply = new TaskCompletionSource<Reply>(TaskCreationOptions.RunContinuationsAsynchronously);
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
        var budget = MaxFramesPerSecond > 0 ? new FrameBudget(MaxFramesPerSecond, _time) : null;
        try
        {
            while (await _connection.ReadFrameAsync(_closing.Token) is { } frame)
            {
                Interlocked.Exchange(ref _lastReceivedTicks, _time.GetUtcNow().UtcTicks);
                if (budget?.Take() is { } wait && wait > TimeSpan.Zero)
                {
                    Throttled?.Invoke(this);
                    await Task.Delay(wait, _time, _closing.Token);
                }

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
                var message = Deserialize(frame);
                if (message.Body is Pong pong)
                {
                    if (ClockSample.FromExchange(pong.PingSentAt, pong.SentAt, UnixMillis()) is { } sample)
                    {
                        ClockOffset.Add(sample);
                    }
                }
                else if (message.ReplyTo != 0)
                {
                    if (_pending.TryGetValue(message.ReplyTo, out var waiter))
                    {
                        waiter.TrySetResult(new Reply(message, null));
                    }
                }
                else if (message.Body is Ping ping)
                {
                    _ = SendQuietlyAsync(new Envelope(0, message.Id, null, null, new Pong(ping.SentAt, UnixMillis())));
                }
                else
                {
                    var request = new IncomingRequest(message, null);
                    _ = Task.Run(() => HandleAsync(handler, request));
                }

                break;

            case FrameType.StreamHeader:
                var header = Deserialize(frame);
                var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 4 * StreamChunkSize, resumeWriterThreshold: 2 * StreamChunkSize, useSynchronizationContext: false));
                if (!_incoming.TryAdd((uint)header.Id, pipe))
                {
                    throw new PeerProtocolException(RejectReason.Malformed, $"Stream {header.Id} opened twice.");
                }

                if (header.ReplyTo != 0 && _pending.TryGetValue(header.ReplyTo, out var streamWaiter))
                {
                    streamWaiter.TrySetResult(new Reply(header, pipe.Reader));
                }
                else if (header.ReplyTo != 0)
                {
                    // Nobody waits any more (timed out): drain and drop.
                    await pipe.Reader.CompleteAsync();
                }
                else
                {
                    var request = new IncomingRequest(header, pipe.Reader);
                    _ = Task.Run(() => HandleAsync(handler, request));
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

    private static Envelope Deserialize(Frame frame) => EnvelopeCodec.Decode(frame.Payload.Span, frame.Type);

    private async Task HandleAsync(IPeerRequestHandler handler, IncomingRequest request)
    {
        Interlocked.Increment(ref _handling);
        try
        {
            await handler.HandleAsync(this, request, _closing.Token);
        }
        catch (Exception) when (!IsOpen)
        {
            // The connection ended under the handler; the close is logged once elsewhere.
        }
        catch (Exception ex)
        {
            LogHandlerFailed(ex, request.Message.GetType().Name, Peer.Name);
            await SendQuietlyAsync(new Envelope(0, request.Envelope.Id, null, null, new PeerError(PeerError.Io, "The request failed on the peer; its log says why.")));
        }
        finally
        {
            if (request.Body is { } body)
            {
                await body.CompleteAsync();
            }

            Interlocked.Decrement(ref _handling);
        }
    }

    /// <summary>
    /// Takes the session out of use without cutting what is in flight on it: it closes once its
    /// own requests are answered and the peer's are served (or after <paramref name="grace"/>).
    /// Used for the loser of a duplicate-connection tie-break, which both sides agree on.
    /// </summary>
    public async Task RetireAsync(TimeSpan grace)
    {
        var deadline = _time.GetUtcNow() + grace;
        while (IsOpen && (!_pending.IsEmpty || Volatile.Read(ref _handling) > 0 || !_incoming.IsEmpty) && _time.GetUtcNow() < deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50), _time, CancellationToken.None);
        }

        await DisposeAsync();
    }

    private async Task SendQuietlyAsync(Envelope envelope)
    {
        try
        {
            await SendAsync(FrameType.Message, envelope, _closing.Token);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The read loop will notice the dead connection.
        }
    }

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
            LogViolation(Peer.Name, RemoteEndPoint?.ToString() ?? "?", reason);
        }
        else
        {
            // Connections end all the time (restarts, the duplicate-connection tie-break): not news.
            LogClosed(Peer.Name, RemoteEndPoint?.ToString() ?? "?", reason);
        }

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

    public async ValueTask DisposeAsync()
    {
        await _closing.CancelAsync();
        if (Volatile.Read(ref _started) == 0)
        {
            // No read loop will end it (e.g. the loser of a tie-break): close here.
            await CloseAsync(null);
        }

        await _connection.DisposeAsync();
        await Completion.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private sealed record Reply(Envelope Envelope, PipeReader? Body);

    private enum StreamStatus : byte
    {
        Complete = 0,
        Aborted = 1,
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Connection to peer {PeerName} at {RemoteEndPoint} ended: {Reason}")]
    private partial void LogClosed(string peerName, string remoteEndPoint, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Connection to peer {PeerName} at {RemoteEndPoint} ended: {Reason}")]
    private partial void LogViolation(string peerName, string remoteEndPoint, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Handling {What} from {PeerName} failed")]
    private partial void LogHandlerFailed(Exception exception, string what, string peerName);
}
