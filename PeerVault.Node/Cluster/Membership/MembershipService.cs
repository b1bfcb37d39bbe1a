using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.ServiceDiscovery;
using PeerVault.Node.Net;
using PeerVault.Node.Net.Rpc;
using PeerVault.Node.Security;
using PeerVault.Node.Storage;

namespace PeerVault.Node.Cluster.Membership;

/// <summary>
/// Keeps this node in the cluster: dials the bootstrap peers and then every member it learns of
/// (at the address service discovery gives for its name when there is one, else at the address the
/// member advertises), with exponential back-off; exchanges member lists with every connected peer
/// on connect and every few seconds; declares members dead after a while unreachable; keeps the
/// member list on disk (<see cref="MemberFile"/>) for the next start; says when the node has heard
/// from its cluster (<see cref="ClusterReadiness"/>); and records, every little while, that this
/// node is alive (see <see cref="StaleData"/>).
/// </summary>
public sealed partial class MembershipService(
    MemberTable members,
    PeerConnections connections,
    ServiceEndpointResolver resolver,
    ClusterOptions options,
    MembershipOptions membershipOptions,
    NodeLife life,
    MemberFile memberFile,
    ClusterReadiness readiness,
    NodeIdentity self,
    TimeProvider time,
    ILogger<MembershipService> logger) : BackgroundService
{
    private static readonly TimeSpan DialTick = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MinBackoff = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, DialState> _dials = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Guid> _peerAtAddress = new(StringComparer.Ordinal);
    private readonly HashSet<string> _selfAddresses = new(StringComparer.Ordinal);
    private bool _removedReported;

    // Until every bootstrap entry has resolved to this node alone, there may be a cluster to hear from.
    private volatile bool _bootstrapElsewhere;

    /// <summary>Raised (on a pool thread) after a peer connected and the member lists were exchanged.</summary>
    public event Action<Member>? PeerJoined;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // Known now that the listener is bound: peers dial the advertised port, or the one we listen on.
        var port = membershipOptions.AdvertisePort ?? connections.ListenEndPoint.Port;
        members.UpdateSelf(m => m with { Host = membershipOptions.AdvertiseHost, Port = port });
        connections.SessionOpened += OnSessionOpened;
        connections.SessionClosed += session => members.MarkDisconnected(session.Peer.Id);
        _bootstrapElsewhere = membershipOptions.Bootstrap.Count > 0;
        UpdateAlone();
        return base.StartAsync(cancellationToken);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
        => Task.WhenAll(DialLoopAsync(stoppingToken), GossipLoopAsync(stoppingToken), AliveLoopAsync(stoppingToken));

    /// <summary>A peer's gossip: merge what it knows, answer with what this node knows.</summary>
    public MemberList Exchange(PeerSession session, ExchangeMembers request)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(request);
        MergeFrom(session, request.Members);
        readiness.MarkHeard();
        return new MemberList(members.ToWire());
    }

    private void OnSessionOpened(PeerSession session)
    {
        if (members.MarkConnected(session.Peer.Id, session.Peer.Name, ObservedHost(session)))
        {
            LogMemberBack(session.Peer.Name);
        }

        _ = Task.Run(async () =>
        {
            await ExchangeWithAsync(session, CancellationToken.None);
            if (members.Get(session.Peer.Id) is { } member)
            {
                PeerJoined?.Invoke(member);
            }
        });
    }

    private async Task GossipLoopAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.GossipInterval, time);
        while (await WaitAsync(timer, stoppingToken))
        {
            foreach (var dead in members.Tick(options.DeadAfter))
            {
                LogMemberDead(dead.Name, options.DeadAfter.TotalSeconds);
            }

            await Task.WhenAll(connections.Connected.Select(session => ExchangeWithAsync(session, stoppingToken)));
            SaveMembers();
            if (members.Self.State == MemberState.Removed && !_removedReported)
            {
                _removedReported = true;
                LogRemoved(self.Name);
            }
        }
    }

    private async Task ExchangeWithAsync(PeerSession session, CancellationToken cancellationToken)
    {
        try
        {
            var answer = await session.RequestAsync(new ExchangeMembers(members.ToWire()), options.RequestTimeout, cancellationToken);
            MergeFrom(session, answer.Members);
            members.MarkSeen(session.Peer.Id);
            readiness.MarkHeard();
        }
        catch (Exception ex) when (ex is IOException or TimeoutException or OperationCanceledException or ObjectDisposedException)
        {
            // The connection is going; its end marks the member suspect.
        }
    }

    private void MergeFrom(PeerSession session, IReadOnlyList<WireMember> records)
    {
        var observed = ObservedHost(session);
        foreach (var record in records)
        {
            members.Merge(record, record.Id == session.Peer.Id ? observed : null);
        }
    }

    private async Task DialLoopAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(DialTick, time);
        while (await WaitAsync(timer, stoppingToken))
        {
            var targets = await TargetsAsync(stoppingToken);
            UpdateAlone();
            foreach (var target in targets)
            {
                var state = _dials.GetOrAdd(target.Key, _ => new DialState());
                if (state.InFlight || time.GetUtcNow() < state.NextAttempt)
                {
                    continue;
                }

                state.InFlight = true;
                _ = Task.Run(() => DialAsync(target, state, stoppingToken), stoppingToken);
            }
        }
    }

    /// <summary>Every address this node should be connected to but is not: bootstrap peers, then members.</summary>
    private async Task<IReadOnlyList<DialTarget>> TargetsAsync(CancellationToken cancellationToken)
    {
        var targets = new List<DialTarget>();
        var connected = connections.Connected.ToList();
        var elsewhere = false;
        foreach (var bootstrap in membershipOptions.Bootstrap)
        {
            if (bootstrap.ServiceName is { } name && connected.Any(s => string.Equals(s.Peer.Name, name, StringComparison.Ordinal)))
            {
                elsewhere = true;
                continue;
            }

            IReadOnlyList<DnsEndPoint> addresses;
            try
            {
                addresses = await bootstrap.ResolveAsync(resolver, cancellationToken);
            }
            catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or InvalidOperationException)
            {
                elsewhere = true;
                continue;
            }

            foreach (var address in addresses)
            {
                var key = Key(address);
                lock (_selfAddresses)
                {
                    elsewhere |= !_selfAddresses.Contains(key);
                }

                if (!IsSelfAddress(key) && !(_peerAtAddress.TryGetValue(key, out var peer) && connections.TryGet(peer, out _)))
                {
                    targets.Add(new DialTarget(key, address.Host, address.Port, bootstrap.ServiceName));
                }
            }
        }

        foreach (var member in members.Snapshot().Where(m => !m.IsSelf && m.State != MemberState.Removed && !connections.TryGet(m.Id, out _)))
        {
            // Service discovery, where it names the member, is the authority on where it is.
            var configured = membershipOptions.Bootstrap.FirstOrDefault(b => string.Equals(b.ServiceName, member.Name, StringComparison.Ordinal));
            if (configured is not null)
            {
                continue;
            }

            if (member.Host is { } host && member.Port > 0)
            {
                targets.Add(new DialTarget(Key(new DnsEndPoint(host, member.Port)), host, member.Port, member.Name));
            }
        }

        _bootstrapElsewhere = elsewhere;
        return targets;
    }

    private bool IsSelfAddress(string key)
    {
        lock (_selfAddresses)
        {
            return _selfAddresses.Contains(key);
        }
    }

    /// <summary>Alone: no other member known (not even from the last run) and no bootstrap peer but this node.</summary>
    private void UpdateAlone()
    {
        if (!readiness.HasJoined && !_bootstrapElsewhere && members.Snapshot().All(m => m.IsSelf || m.State == MemberState.Removed))
        {
            readiness.MarkAlone();
        }
    }

    /// <summary>Keeps the member list for the next start; best effort (a failing disk shows in health and writes).</summary>
    private void SaveMembers()
    {
        try
        {
            memberFile.Save(members.ToWire().Where(m => m.Id != members.SelfId));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogMembersNotSaved(ex.Message);
        }
    }

    private async Task DialAsync(DialTarget target, DialState state, CancellationToken stoppingToken)
    {
        try
        {
            var session = await connections.DialAsync(target.Host, target.Port, target.ExpectedName, stoppingToken);
            _peerAtAddress[target.Key] = session.Peer.Id;
            state.Succeeded();
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (PeerProtocolException ex) when (ex.Reason == RejectReason.SelfConnection)
        {
            // PEERVAULT_BOOTSTRAP may list every node, this one included.
            lock (_selfAddresses)
            {
                _selfAddresses.Add(target.Key);
            }

            LogSkippingSelf(target.Key);
        }
        catch (Exception ex)
        {
            if (state.Failed(time.GetUtcNow()) == 1)
            {
                LogDialFailed(target.ExpectedName ?? target.Key, ex.Message);
            }
        }
        finally
        {
            state.InFlight = false;
        }
    }

    private async Task AliveLoopAsync(CancellationToken stoppingToken)
    {
        var every = TimeSpan.FromTicks(Math.Clamp(options.TombstoneGrace.Ticks / 10, TimeSpan.FromSeconds(1).Ticks, TimeSpan.FromSeconds(30).Ticks));
        using var timer = new PeriodicTimer(every, time);
        do
        {
            life.RecordAlive(members.Self.Incarnation, time.GetUtcNow());
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        life.RecordAlive(members.Self.Incarnation, time.GetUtcNow());
        SaveMembers();
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static string? ObservedHost(PeerSession session) => (session.RemoteEndPoint as IPEndPoint)?.Address switch
    {
        null => null,
        { IsIPv4MappedToIPv6: true } mapped => mapped.MapToIPv4().ToString(),
        var address => address.ToString(),
    };

    private static string Key(DnsEndPoint address) => $"{address.Host}:{address.Port}";

    private sealed record DialTarget(string Key, string Host, int Port, string? ExpectedName);

    private sealed class DialState
    {
        private TimeSpan _backoff = MinBackoff;
        private int _failures;

        public volatile bool InFlight;

        public DateTimeOffset NextAttempt { get; private set; }

        public void Succeeded()
        {
            _backoff = MinBackoff;
            _failures = 0;
        }

        /// <summary>Schedules the next attempt with exponential back-off and jitter; returns the failures in a row.</summary>
        public int Failed(DateTimeOffset now)
        {
            NextAttempt = now + _backoff + TimeSpan.FromMilliseconds(Random.Shared.Next(0, 100));
            _backoff = TimeSpan.FromTicks(Math.Min(_backoff.Ticks * 2, MaxBackoff.Ticks));
            return ++_failures;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Member {Member} unreachable for {Seconds} s: declared dead; it keeps its partitions (writes there need the other replicas) until it comes back or an operator removes it")]
    private partial void LogMemberDead(string member, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Member {Member}, declared dead before, is back")]
    private partial void LogMemberBack(string member);

    [LoggerMessage(Level = LogLevel.Information, Message = "Cannot reach peer {Peer} yet ({Error}); retrying with back-off")]
    private partial void LogDialFailed(string peer, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not keep the member list for the next start: {Error}")]
    private partial void LogMembersNotSaved(string error);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Bootstrap address {Peer} is this node; not dialing it")]
    private partial void LogSkippingSelf(string peer);

    [LoggerMessage(Level = LogLevel.Error, Message = "Node {NodeName} was removed from the cluster by an operator: it holds no data for anyone any more. Wipe its data directory to rejoin as a new member.")]
    private partial void LogRemoved(string nodeName);
}
