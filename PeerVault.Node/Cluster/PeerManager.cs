using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.ServiceDiscovery;
using PeerVault.Node.Diagnostics;
using PeerVault.Node.Hosting;
using PeerVault.Node.Protocol;
using PeerVault.Node.Security;

namespace PeerVault.Node.Cluster;

/// <summary>
/// Owns the P2P side of a node: the TCP listener, one dial loop per bootstrap peer (reconnecting
/// with exponential back-off), heartbeats that close silent connections, and the registry of
/// live sessions, at most one per peer. When two nodes dial each other at once, both keep the
/// connection dialed by the node with the smaller id, so they agree without talking about it.
/// </summary>
public sealed partial class PeerManager(
    NodeSettings settings,
    Handshake handshake,
    IPeerRequestHandler handler,
    ServiceEndpointResolver resolver,
    IConfiguration configuration,
    NodeMetrics metrics,
    TimeProvider time,
    ILogger<PeerManager> logger) : BackgroundService
{
    private static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan DeadAfter = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<Guid, PeerSession> _sessions = new();
    private readonly ConcurrentDictionary<BootstrapPeer, DialState> _targets = new();
    private readonly Lock _registerLock = new();
    private TcpListener? _listener;

    /// <summary>Where the P2P listener is bound (its real port when configured with 0).</summary>
    public IPEndPoint ListenEndPoint => (IPEndPoint)(_listener ?? throw new InvalidOperationException("The P2P listener has not started.")).LocalEndpoint;

    public IReadOnlyCollection<PeerSession> Connected => [.. _sessions.Values.Where(s => s.IsOpen)];

    /// <summary>How many other nodes this node expects to have: bootstrap peers (not itself) or connected ones, whichever is more.</summary>
    public int ExpectedPeerCount => Math.Max(_targets.Count(t => t.Value.Status != DialStatus.Self), _sessions.Count);

    public IReadOnlyList<PeerStatus> Describe()
    {
        var result = new List<PeerStatus>();
        var described = new HashSet<Guid>();
        foreach (var (target, state) in _targets)
        {
            if (state.Status == DialStatus.Self)
            {
                continue;
            }

            var session = state.PeerId is { } id && _sessions.TryGetValue(id, out var s) && s.IsOpen ? s
                : _sessions.Values.FirstOrDefault(s => s.IsOpen && string.Equals(s.Peer.Name, target.ServiceName, StringComparison.Ordinal));
            if (session is not null)
            {
                described.Add(session.Peer.Id);
                result.Add(PeerStatus.Of(session, target.Display));
            }
            else
            {
                result.Add(new PeerStatus(state.PeerName ?? target.ServiceName ?? target.Display, state.PeerId?.ToString("N"), target.Display, state.Status.ToString().ToLowerInvariant(), null, null, null, state.LastError));
            }
        }

        result.AddRange(_sessions.Values.Where(s => s.IsOpen && !described.Contains(s.Peer.Id)).Select(s => PeerStatus.Of(s, null)));
        return result;
    }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // Bind before the host reports started, so the port is known and taken from then on.
        _listener = new TcpListener(IPAddress.IPv6Any, settings.P2PPort);
        try
        {
            _listener.Server.DualMode = true;
            _listener.Start();
        }
        catch (SocketException) when (Socket.OSSupportsIPv4)
        {
            _listener = new TcpListener(IPAddress.Any, settings.P2PPort);
            _listener.Start();
        }

        LogListening(settings.Identity.Name, ListenEndPoint.Port);
        foreach (var peer in BootstrapPeer.FromConfiguration(configuration, settings.Identity.Name))
        {
            _targets.TryAdd(peer, new DialState());
        }

        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var loops = new List<Task> { AcceptLoopAsync(stoppingToken), HeartbeatLoopAsync(stoppingToken) };
        loops.AddRange(_targets.Keys.Select(target => DialLoopAsync(target, stoppingToken)));
        await Task.WhenAll(loops);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // Cancel the loops first, so the accept loop ends on its token rather than on a closed socket.
        await base.StopAsync(cancellationToken);
        _listener?.Stop();
        await Task.WhenAll(_sessions.Values.Select(s => s.DisposeAsync().AsTask()));
    }

    private async Task AcceptLoopAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener!.AcceptSocketAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException || stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException ex)
            {
                LogAcceptFailed(ex.SocketErrorCode.ToString());
                continue;
            }

            _ = Task.Run(() => AcceptAsync(socket, stoppingToken), stoppingToken);
        }
    }

    private async Task AcceptAsync(Socket socket, CancellationToken stoppingToken)
    {
        socket.NoDelay = true;
        var remote = socket.RemoteEndPoint;
        var connection = new FrameConnection(new NetworkStream(socket, ownsSocket: true));
        try
        {
            var result = await handshake.AcceptAsync(connection, stoppingToken);
            Register(new PeerSession(connection, result, remote, time, logger));
        }
        catch (Exception ex)
        {
            // Say why first: whoever sees the connection close can then also see the reason.
            ReportHandshakeFailure(ex, remote?.ToString() ?? "?", "inbound");
            await connection.DisposeAsync();
        }
    }

    private async Task DialLoopAsync(BootstrapPeer target, CancellationToken stoppingToken)
    {
        var state = _targets[target];
        var backoff = TimeSpan.FromMilliseconds(200);
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            if (FindSession(target, state) is { } live)
            {
                state.Status = DialStatus.Connected;
                await live.Completion.WaitAsync(stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                state.Status = DialStatus.Disconnected;
                backoff = TimeSpan.FromMilliseconds(200);
                continue;
            }

            state.Status = state.Status == DialStatus.Connected ? DialStatus.Disconnected : DialStatus.Connecting;
            FrameConnection? connection = null;
            try
            {
                var (host, port) = await target.ResolveAsync(resolver, stoppingToken);
                var client = new TcpClient { NoDelay = true };
                using (var connectDeadline = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken))
                {
                    connectDeadline.CancelAfter(ConnectTimeout);
                    try
                    {
                        await client.ConnectAsync(host, port, connectDeadline.Token);
                    }
                    catch
                    {
                        client.Dispose();
                        throw;
                    }
                }

                connection = new FrameConnection(client.GetStream());
                var result = await handshake.DialAsync(connection, target.ServiceName, stoppingToken);
                state.PeerId = result.Peer.Id;
                state.PeerName = result.Peer.Name;
                state.LastError = null;
                Register(new PeerSession(connection, result, client.Client.RemoteEndPoint, time, logger));
                connection = null;
                failures = 0;
                continue;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (PeerProtocolException ex) when (ex.Reason == RejectReason.SelfConnection)
            {
                // PEERVAULT_BOOTSTRAP may list every node, this one included.
                state.Status = DialStatus.Self;
                LogSkippingSelf(target.Display);
                return;
            }
            catch (Exception ex)
            {
                state.LastError = ex.Message;
                if (ex is PeerProtocolException)
                {
                    ReportHandshakeFailure(ex, target.Display, "outbound");
                }
                else if (failures++ == 0)
                {
                    LogDialFailed(target.Display, ex.Message);
                }
            }
            finally
            {
                if (connection is not null)
                {
                    await connection.DisposeAsync();
                }
            }

            var jitter = TimeSpan.FromMilliseconds(Random.Shared.Next(0, 100));
            await Task.Delay(backoff + jitter, time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
        }
    }

    private PeerSession? FindSession(BootstrapPeer target, DialState state)
    {
        if (state.PeerId is { } id && _sessions.TryGetValue(id, out var byId) && byId.IsOpen)
        {
            return byId;
        }

        return target.ServiceName is null
            ? null
            : _sessions.Values.FirstOrDefault(s => s.IsOpen && string.Equals(s.Peer.Name, target.ServiceName, StringComparison.Ordinal));
    }

    private void Register(PeerSession session)
    {
        PeerSession? loser;
        lock (_registerLock)
        {
            if (_sessions.TryGetValue(session.Peer.Id, out var existing) && existing.IsOpen)
            {
                var keepNew = DialerOf(session) == DialerOf(existing) || DialerOf(session).CompareTo(DialerOf(existing)) < 0;
                loser = keepNew ? existing : session;
                if (keepNew)
                {
                    _sessions[session.Peer.Id] = session;
                }
            }
            else
            {
                loser = null;
                _sessions[session.Peer.Id] = session;
            }
        }

        if (loser != session)
        {
            session.ProtocolViolated += (s, violation) => metrics.FrameRejected(violation.Reason);
            session.Start(handler);
            metrics.PeerConnected();
            _ = session.Completion.ContinueWith(
                _ =>
                {
                    _sessions.TryRemove(new KeyValuePair<Guid, PeerSession>(session.Peer.Id, session));
                    metrics.PeerDisconnected();
                },
                TaskScheduler.Default);
            LogConnected(session.Peer.Name, session.RemoteEndPoint?.ToString() ?? "?", session.IsDialer ? "outbound" : "inbound");
        }

        if (loser is not null)
        {
            _ = loser.DisposeAsync().AsTask();
        }
    }

    private Guid DialerOf(PeerSession session) => session.IsDialer ? settings.Identity.Id : session.Peer.Id;

    private async Task HeartbeatLoopAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(HeartbeatInterval, time);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await timer.WaitForNextTickAsync(stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            foreach (var session in _sessions.Values.Where(s => s.IsOpen))
            {
                if (time.GetUtcNow() - session.LastReceived > DeadAfter)
                {
                    LogSilentPeer(session.Peer.Name, DeadAfter.TotalSeconds);
                    _ = session.DisposeAsync().AsTask();
                    continue;
                }

                try
                {
                    await session.PingAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException)
                {
                    // Its read loop ends the session.
                }
            }
        }
    }

    private void ReportHandshakeFailure(Exception ex, string remote, string direction)
    {
        if (ex is PeerProtocolException { Reason: RejectReason.SelfConnection })
        {
            return;
        }

        metrics.HandshakeFailed(ex);
        LogHandshakeFailed(direction, remote, NodeMetrics.ReasonOf(ex), ex.Message);
    }

    private sealed class DialState
    {
        public volatile DialStatus Status = DialStatus.Connecting;

        public Guid? PeerId { get; set; }

        public string? PeerName { get; set; }

        public string? LastError { get; set; }
    }

    private enum DialStatus
    {
        Connecting,
        Connected,
        Disconnected,
        Self,
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {NodeName} listening for peers on TCP port {P2PPort}")]
    private partial void LogListening(string nodeName, int p2pPort);

    [LoggerMessage(Level = LogLevel.Information, Message = "Connected to peer {PeerName} at {RemoteEndPoint} ({Direction})")]
    private partial void LogConnected(string peerName, string remoteEndPoint, string direction);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused {Direction} handshake with {RemoteEndPoint}: {Reason}: {Detail}")]
    private partial void LogHandshakeFailed(string direction, string remoteEndPoint, string reason, string detail);

    [LoggerMessage(Level = LogLevel.Information, Message = "Cannot reach peer {Peer} yet ({Error}); retrying with back-off")]
    private partial void LogDialFailed(string peer, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Bootstrap address {Peer} is this node; not dialing it")]
    private partial void LogSkippingSelf(string peer);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Peer {PeerName} silent for {Seconds} s; closing its connection")]
    private partial void LogSilentPeer(string peerName, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Accepting a peer connection failed: {SocketError}")]
    private partial void LogAcceptFailed(string socketError);
}

/// <summary>One line of <c>GET /v1/cluster</c>'s peer list.</summary>
public sealed record PeerStatus(string Name, string? Id, string? Address, string State, string? Direction, DateTimeOffset? ConnectedSince, DateTimeOffset? LastSeen, string? LastError)
{
    public static PeerStatus Of(PeerSession session, string? bootstrapAddress) => new(
        session.Peer.Name,
        session.Peer.Id.ToString("N"),
        bootstrapAddress ?? session.RemoteEndPoint?.ToString(),
        "connected",
        session.IsDialer ? "outbound" : "inbound",
        session.ConnectedAt,
        session.LastReceived,
        null);
}
