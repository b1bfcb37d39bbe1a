using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using PeerVault.Node.Diagnostics;
using PeerVault.Node.Security;

namespace PeerVault.Node.Net;

/// <summary>
/// The connections of a node: the TCP listener, dialing a peer on request, the registry of live
/// sessions (at most one per peer), and heartbeats that close silent connections. When two nodes
/// dial each other at once, both keep the connection dialed by the node with the smaller id, so
/// they agree without talking about it. Which peers to dial, and when, is the cluster's decision.
/// Inbound connections are admitted within <see cref="ConnectionLimits"/>; refused handshakes and
/// connections, which anyone who can reach the port can cause, go to the <see cref="RefusalLog"/>.
/// </summary>
public sealed partial class PeerConnections(
    NetOptions options,
    NodeIdentity self,
    ClusterKeyIds keys,
    Handshake handshake,
    NodeMetrics metrics,
    RefusalLog refusals,
    TimeProvider time,
    ILogger<PeerConnections> logger) : BackgroundService
{
    private static readonly TimeSpan RetireGrace = TimeSpan.FromSeconds(30);

    private readonly ConnectionLimits _limits = new(options);

    private readonly ConcurrentDictionary<Guid, PeerSession> _sessions = new();
    private readonly Lock _registerLock = new();
    private IPeerRequestHandler? _handler;
    private TcpListener? _listener;

    /// <summary>Where the P2P listener is bound (its real port when configured with 0).</summary>
    public IPEndPoint ListenEndPoint => (IPEndPoint)(_listener ?? throw new InvalidOperationException("The P2P listener has not started.")).LocalEndpoint;

    public IReadOnlyCollection<PeerSession> Connected => [.. _sessions.Values.Where(s => s.IsOpen)];

    /// <summary>Raised when a session to a peer is established (and won any tie-break).</summary>
    public event Action<PeerSession>? SessionOpened;

    /// <summary>Raised when a registered session ends.</summary>
    public event Action<PeerSession>? SessionClosed;

    /// <summary>Sets what serves peers' requests; called once before the host starts.</summary>
    public void UseHandler(IPeerRequestHandler handler) => _handler = handler;

    public bool TryGet(Guid peer, out PeerSession session)
        => _sessions.TryGetValue(peer, out session!) && session.IsOpen;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        if (_handler is null)
        {
            throw new InvalidOperationException("PeerConnections needs a request handler before it starts.");
        }

        // Bind before the host reports started, so the port is known and taken from then on.
        try
        {
            _listener = new TcpListener(IPAddress.IPv6Any, options.Port);
            try
            {
                _listener.Server.DualMode = true;
                _listener.Start();
            }
            catch (SocketException ex) when (ex.SocketErrorCode != SocketError.AddressAlreadyInUse && Socket.OSSupportsIPv4)
            {
                _listener = new TcpListener(IPAddress.Any, options.Port);
                _listener.Start();
            }
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            throw new PortInUseException($"P2P_PORT {options.Port} is already in use by another process; stop it, or set P2P_PORT to a free port (0 picks any).", ex);
        }

        LogListening(self.Name, ListenEndPoint.Port);
        return base.StartAsync(cancellationToken);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
        => Task.WhenAll(AcceptLoopAsync(stoppingToken), HeartbeatLoopAsync(stoppingToken));

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // Cancel the loops first, so the accept loop ends on its token rather than on a closed socket.
        await base.StopAsync(cancellationToken);
        _listener?.Stop();
        await Task.WhenAll(_sessions.Values.Select(s => s.DisposeAsync().AsTask()));
    }

    /// <summary>
    /// Connects to <paramref name="host"/>:<paramref name="port"/>, runs the handshake (the peer must
    /// be <paramref name="expectedName"/> when given) and registers the session. Returns the session
    /// that won any tie-break with a connection the peer dialed at the same time.
    /// </summary>
    public async Task<PeerSession> DialAsync(string host, int port, string? expectedName, CancellationToken cancellationToken)
    {
        var client = new TcpClient { NoDelay = true };
        FrameConnection? connection = null;
        try
        {
            using (var connectDeadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                connectDeadline.CancelAfter(options.ConnectTimeout);
                await client.ConnectAsync(host, port, connectDeadline.Token);
            }

            connection = new FrameConnection(client.GetStream());
            HandshakeResult result;
            try
            {
                result = await handshake.DialAsync(connection, expectedName, cancellationToken);
            }
            catch (PeerProtocolException ex)
            {
                ReportHandshakeFailure(ex, $"{host}:{port}", "outbound");
                throw;
            }

            var session = NewSession(connection, result, client.Client.RemoteEndPoint);
            connection = null;
            return Register(session);
        }
        catch
        {
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }

            client.Dispose();
            throw;
        }
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

            // Admitted here, in accept order, so a burst cannot race past the limits; refused at once.
            if (Admit(socket) is { } admitted)
            {
                _ = Task.Run(() => AcceptAsync(admitted.Socket, admitted.Remote, admitted.Lease, stoppingToken), stoppingToken);
            }
        }
    }

    private (Socket Socket, IPEndPoint Remote, ConnectionLimits.Lease Lease)? Admit(Socket socket)
    {
        if (socket.RemoteEndPoint is not IPEndPoint remote)
        {
            socket.Dispose();
            return null;
        }

        if (_limits.TryAdmit(remote.Address, out var refusal) is not { } lease)
        {
            refusals.Refused("connection-limit", remote.ToString(), refusal);
            socket.Dispose();
            return null;
        }

        return (socket, remote, lease);
    }

    private async Task AcceptAsync(Socket socket, IPEndPoint remote, ConnectionLimits.Lease lease, CancellationToken stoppingToken)
    {
        socket.NoDelay = true;
        var connection = new FrameConnection(new NetworkStream(socket, ownsSocket: true));
        try
        {
            var result = await handshake.AcceptAsync(connection, stoppingToken);
            var session = NewSession(connection, result, remote);
            _ = session.Completion.ContinueWith(_ => lease.Dispose(), TaskScheduler.Default);
            Register(session);
        }
        catch (Exception ex)
        {
            // Say why first: whoever sees the connection close can then also see the reason.
            ReportHandshakeFailure(ex, remote.ToString(), "inbound");
            await connection.DisposeAsync();
            lease.Dispose();
        }
    }

    private PeerSession NewSession(FrameConnection connection, HandshakeResult result, EndPoint? remote)
    {
        var session = new PeerSession(connection, result, remote, time, logger) { MaxFramesPerSecond = options.MaxFramesPerSecond };
        session.Throttled += throttled => refusals.Refused("frame-rate", throttled.Peer.Name, $"over {options.MaxFramesPerSecond} frames/s; reading from it is slowed down");
        return session;
    }

    private PeerSession Register(PeerSession session)
    {
        PeerSession? loser;
        PeerSession winner;
        lock (_registerLock)
        {
            if (_sessions.TryGetValue(session.Peer.Id, out var existing) && existing.IsOpen)
            {
                var keepNew = DialerOf(session) == DialerOf(existing) || DialerOf(session).CompareTo(DialerOf(existing)) < 0;
                (winner, loser) = keepNew ? (session, existing) : (existing, session);
                if (keepNew)
                {
                    _sessions[session.Peer.Id] = session;
                }
            }
            else
            {
                (winner, loser) = (session, null);
                _sessions[session.Peer.Id] = session;
            }
        }

        if (winner == session)
        {
            session.ProtocolViolated += (_, violation) => metrics.FrameRejected(violation.Reason.ToString());
            session.Start(_handler!);
            metrics.PeerConnected();
            _ = session.Completion.ContinueWith(
                _ =>
                {
                    metrics.PeerDisconnected();
                    // Only news if it was the peer's session: a loser of the tie-break closing is not.
                    if (_sessions.TryRemove(new KeyValuePair<Guid, PeerSession>(session.Peer.Id, session)))
                    {
                        SessionClosed?.Invoke(session);
                    }
                },
                TaskScheduler.Default);
            LogConnected(session.Peer.Name, session.RemoteEndPoint?.ToString() ?? "?", session.IsDialer ? "outbound" : "inbound");
            if (session.PeerKeys is { } peerKeys && !keys.ReadsBothWays(peerKeys))
            {
                LogRotationHalfDone(session.Peer.Name, peerKeys.ToString(), keys.ToString());
            }
            SessionOpened?.Invoke(session);
        }

        if (loser is not null)
        {
            // Requests may already be running on it (both sides dialed at once): let them finish.
            _ = loser.RetireAsync(RetireGrace);
        }

        return winner;
    }

    private Guid DialerOf(PeerSession session) => session.IsDialer ? self.Id : session.Peer.Id;

    private async Task HeartbeatLoopAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.HeartbeatInterval, time);
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
                if (time.GetUtcNow() - session.LastReceived > options.IdleTimeout)
                {
                    LogSilentPeer(session.Peer.Name, options.IdleTimeout.TotalSeconds);
                    _ = session.DisposeAsync().AsTask();
                    continue;
                }

                try
                {
                    await session.PingAsync(stoppingToken).WaitAsync(options.HeartbeatInterval, stoppingToken);
                }
                catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException or TimeoutException)
                {
                    // A connection that cannot take a ping in time is closed by the idle check, or its read loop ends it.
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

        var reason = PeerProtocolException.ReasonOf(ex);
        metrics.HandshakeFailed(reason, ex is PeerProtocolException { IsFrameProblem: true });

        // Only a token holder gets this far, and it is a node set up wrong: its own line, not lost among strangers' refusals.
        var kind = ex is PeerProtocolException { Reason: RejectReason.ClusterKeyMismatch } ? "handshake-cluster-key" : $"handshake-{direction}";
        refusals.Refused(kind, remote, $"{reason}: {ex.Message}");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {NodeName} listening for peers on TCP port {P2PPort}")]
    private partial void LogListening(string nodeName, int p2pPort);

    [LoggerMessage(Level = LogLevel.Information, Message = "Connected to peer {PeerName} at {RemoteEndPoint} ({Direction})")]
    private partial void LogConnected(string peerName, string remoteEndPoint, string direction);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Peer {PeerName} holds cluster key id {PeerKeys}, this node holds {Keys}: one of the two cannot open what the other seals now, so copies between them fail until the rotation is finished on every node (the new key current everywhere, the old one in PEERVAULT_PREVIOUS_CLUSTER_KEYS)")]
    private partial void LogRotationHalfDone(string peerName, string peerKeys, string keys);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Peer {PeerName} silent for {Seconds} s; closing its connection")]
    private partial void LogSilentPeer(string peerName, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Accepting a peer connection failed: {SocketError}")]
    private partial void LogAcceptFailed(string socketError);
}
