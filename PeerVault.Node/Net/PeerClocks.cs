using System.Collections.Concurrent;
using PeerVault.Node.Diagnostics;

namespace PeerVault.Node.Net;

/// <summary>One connected peer's clock against this node's (<see cref="Offset"/> positive: the peer is ahead).</summary>
public sealed record PeerClock(Guid PeerId, string PeerName, TimeSpan Offset, TimeSpan Uncertainty, bool BeyondWarning);

/// <summary>
/// The clock offset of every connected peer, as their connections measure it (<see cref="ClockOffsetEstimator"/>),
/// judged against <see cref="NetOptions.ClockOffsetWarning"/>: a peer is beyond it only when its
/// offset is larger even if the whole uncertainty (half the round trip) went the other way. Reported
/// as the gauge <c>peervault.clock.offset</c> per peer, read by the health check and
/// <c>/v1/cluster</c>, and logged once when a peer passes the warning and once when it is back.
/// </summary>
public sealed partial class PeerClocks : BackgroundService
{
    private readonly PeerConnections _connections;
    private readonly NetOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<PeerClocks> _logger;
    private readonly ConcurrentDictionary<Guid, bool> _warned = new();

    public PeerClocks(PeerConnections connections, NetOptions options, NodeMetrics metrics, TimeProvider time, ILogger<PeerClocks> logger)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        _connections = connections;
        _options = options;
        _time = time;
        _logger = logger;
        metrics.ObserveClockOffsets(() => Snapshot().Select(p => (p.PeerName, p.Offset.TotalSeconds)));
    }

    public TimeSpan Warning => _options.ClockOffsetWarning;

    /// <summary>Every connected peer whose offset has been measured.</summary>
    public IReadOnlyList<PeerClock> Snapshot()
    {
        var clocks = new List<PeerClock>();
        foreach (var session in _connections.Connected)
        {
            if (session.ClockOffset.Current is { } estimate)
            {
                var uncertainty = estimate.RoundTrip / 2;
                clocks.Add(new PeerClock(session.Peer.Id, session.Peer.Name, estimate.Offset, uncertainty, estimate.Offset.Duration() - uncertainty > _options.ClockOffsetWarning));
            }
        }

        return clocks;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.HeartbeatInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                Check();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Logs the peers that passed the warning or came back within it since the last check.</summary>
    private void Check()
    {
        var current = Snapshot();
        foreach (var peer in current)
        {
            var was = _warned.TryGetValue(peer.PeerId, out var warned) && warned;
            if (peer.BeyondWarning && !was)
            {
                LogBeyond(peer.PeerName, peer.Offset.TotalSeconds, peer.Uncertainty.TotalSeconds, _options.ClockOffsetWarning.TotalSeconds);
            }
            else if (!peer.BeyondWarning && was)
            {
                LogBack(peer.PeerName, peer.Offset.TotalSeconds, _options.ClockOffsetWarning.TotalSeconds);
            }

            _warned[peer.PeerId] = peer.BeyondWarning;
        }

        foreach (var gone in _warned.Keys.Where(id => current.All(p => p.PeerId != id)))
        {
            _warned.TryRemove(gone, out _);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Peer {PeerName}'s clock is {OffsetSeconds:+0.000;-0.000} s off this node's (± {UncertaintySeconds:0.000} s), more than PEERVAULT_CLOCK_OFFSET_WARN_SECONDS ({WarnSeconds} s): synchronise the clocks (NTP); while one is ahead, writes coordinated through it win over concurrent ones")]
    private partial void LogBeyond(string peerName, double offsetSeconds, double uncertaintySeconds, double warnSeconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Peer {PeerName}'s clock is back within {WarnSeconds} s of this node's ({OffsetSeconds:+0.000;-0.000} s)")]
    private partial void LogBack(string peerName, double offsetSeconds, double warnSeconds);
}
