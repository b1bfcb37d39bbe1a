using System.Diagnostics.Metrics;

namespace PeerVault.Node.Diagnostics;

/// <summary>
/// The node's instruments (Meter <c>PeerVault.Node</c>). Names follow OpenTelemetry conventions:
/// dotted lower-case, UCUM units, and label values from small fixed sets (reasons are enum
/// names, directions and outcomes are words), never keys, paths or secrets.
/// </summary>
public sealed class NodeMetrics : IDisposable
{
    public const string MeterName = "PeerVault.Node";

    private readonly Meter _meter;
    private readonly Counter<long> _bytesStored;
    private readonly Counter<long> _bytesServed;
    private readonly Counter<long> _bytesReplicated;
    private readonly Counter<long> _objectsStored;
    private readonly Histogram<double> _replicationDuration;
    private readonly UpDownCounter<long> _peersConnected;
    private readonly Counter<long> _handshakeFailures;
    private readonly Counter<long> _framesRejected;
    private readonly Counter<long> _objectsRepaired;
    private readonly Counter<long> _bytesRepaired;
    private readonly Counter<long> _versionsRefused;
    private readonly Counter<long> _versionsStamped;
    private readonly Counter<long> _scrubBlobs;
    private readonly Counter<long> _scrubBytes;
    private readonly Counter<long> _scrubCorrupt;
    private readonly Counter<long> _scrubRepaired;
    private readonly Counter<long> _readFailovers;
    private readonly Counter<long> _readsWidened;

    public NodeMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeterName);
        _bytesStored = _meter.CreateCounter<long>("peervault.bytes.stored", "By", "Plaintext bytes accepted from clients.");
        _bytesServed = _meter.CreateCounter<long>("peervault.bytes.served", "By", "Plaintext bytes returned to clients.");
        _bytesReplicated = _meter.CreateCounter<long>("peervault.bytes.replicated", "By", "Sealed bytes moved between nodes, by direction.");
        _objectsStored = _meter.CreateCounter<long>("peervault.objects.stored", "{object}", "Objects made durable on this node, by source (client or replica).");
        _replicationDuration = _meter.CreateHistogram<double>(
            "peervault.replication.duration",
            "s",
            "Time to make one replica durable on one peer, by outcome.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });
        _peersConnected = _meter.CreateUpDownCounter<long>("peervault.peers.connected", "{peer}", "Peers with an authenticated connection.");
        _handshakeFailures = _meter.CreateCounter<long>("peervault.handshake.failures", "{handshake}", "Handshakes refused, by reason.");
        _framesRejected = _meter.CreateCounter<long>("peervault.frames.rejected", "{frame}", "Frames that ended a connection, by reason.");
        _objectsRepaired = _meter.CreateCounter<long>("peervault.repair.objects", "{object}", "Objects and tombstones anti-entropy or read repair moved, by direction (pulled or pushed).");
        _bytesRepaired = _meter.CreateCounter<long>("peervault.repair.bytes", "By", "Sealed bytes anti-entropy or read repair moved, by direction.");
        _scrubBlobs = _meter.CreateCounter<long>("peervault.scrub.blobs", "{blob}", "Blobs a scrub pass checked.");
        _scrubBytes = _meter.CreateCounter<long>("peervault.scrub.bytes", "By", "Sealed bytes a scrub pass read and verified.");
        _scrubCorrupt = _meter.CreateCounter<long>("peervault.scrub.corrupt", "{blob}", "Blobs a scrub pass found corrupt or missing, by problem (corrupt or missing).");
        _scrubRepaired = _meter.CreateCounter<long>("peervault.scrub.repaired", "{blob}", "Blobs a scrub pass restored from a replica.");
        _readFailovers = _meter.CreateCounter<long>("peervault.read.failovers", "{read}", "Reads that lost their copy mid-response and went on from another replica, by outcome (resumed or aborted).");
        _readsWidened = _meter.CreateCounter<long>("peervault.read.widened", "{read}", "Reads whose read quorum of replicas did not agree (or not all answered), so every replica was asked.");
        _versionsRefused = _meter.CreateCounter<long>("peervault.versions.refused", "{version}", "Versions refused for being further in the future than the clock skew allows, by source.");
        _versionsStamped = _meter.CreateCounter<long>("peervault.versions.stamped", "{version}", "Versions this node stamped on writes and deletes, by basis: read-quorum (past the newest version a read quorum of the key's replicas holds) or partial (fewer answered).");
    }

    /// <summary>Reports the durability gauges (set once, by the cluster's replication status); they go down as repair catches up.</summary>
    public void ObserveDurability(Func<int> underReplicated, Func<int> repairBacklog, Func<int> tombstones)
    {
        _meter.CreateObservableGauge("peervault.objects.under_replicated", underReplicated, "{object}", "Objects this node is first replica of that some placed replica is not known to hold.");
        _meter.CreateObservableGauge("peervault.repair.backlog", repairBacklog, "{object}", "Objects anti-entropy has found to move and not moved yet.");
        _meter.CreateObservableGauge("peervault.tombstones.pending", tombstones, "{tombstone}", "Deletes kept as tombstones until their grace period ends and every replica has them.");
    }

    /// <summary>Reports how many members this node sees in each state.</summary>
    public void ObserveMembers(Func<IEnumerable<(string State, int Count)>> members)
        => _meter.CreateObservableGauge(
            "peervault.members",
            () => members().Select(m => new Measurement<int>(m.Count, new KeyValuePair<string, object?>("state", m.State))),
            "{member}",
            "Cluster members as this node sees them, by state.");

    public void Repaired(long bytes, string direction)
    {
        _objectsRepaired.Add(1, new KeyValuePair<string, object?>("direction", direction));
        _bytesRepaired.Add(bytes, new KeyValuePair<string, object?>("direction", direction));
    }

    /// <summary>Reports each connected peer's clock offset (seconds its wall clock is ahead of this node's; negative: behind).</summary>
    public void ObserveClockOffsets(Func<IEnumerable<(string Peer, double Seconds)>> offsets)
        => _meter.CreateObservableGauge(
            "peervault.clock.offset",
            () => offsets().Select(o => new Measurement<double>(o.Seconds, new KeyValuePair<string, object?>("peervault.peer", o.Peer))),
            "s",
            "How far each connected peer's wall clock is ahead of this node's (negative: behind), from the heartbeats' round trips.");

    /// <summary>Reports how far the current (or last) scrub pass got, 0 to 1 of its bytes.</summary>
    public void ObserveScrubProgress(Func<double> progress)
        => _meter.CreateObservableGauge("peervault.scrub.progress", progress, "1", "Fraction of the current scrub pass's bytes checked (1 once a pass finished).");

    public void Scrubbed(long bytes)
    {
        _scrubBlobs.Add(1);
        _scrubBytes.Add(bytes);
    }

    public void ScrubFound(string problem) => _scrubCorrupt.Add(1, new KeyValuePair<string, object?>("problem", problem));

    public void ScrubRepaired() => _scrubRepaired.Add(1);

    public void ReadWidened() => _readsWidened.Add(1);

    public void ReadFailover(string outcome) => _readFailovers.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void VersionRefused(string source) => _versionsRefused.Add(1, new KeyValuePair<string, object?>("source", source));

    public void VersionStamped(string basis) => _versionsStamped.Add(1, new KeyValuePair<string, object?>("basis", basis));

    public void Stored(long bytes) => _bytesStored.Add(bytes);

    public void Served(long bytes) => _bytesServed.Add(bytes);

    public void Replicated(long bytes, string direction) => _bytesReplicated.Add(bytes, new KeyValuePair<string, object?>("direction", direction));

    public void ObjectStored(string source) => _objectsStored.Add(1, new KeyValuePair<string, object?>("source", source));

    public void ReplicationFinished(TimeSpan duration, string outcome)
        => _replicationDuration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("outcome", outcome));

    public void PeerConnected() => _peersConnected.Add(1);

    public void PeerDisconnected() => _peersConnected.Add(-1);

    /// <summary>Counts a refused handshake by reason; one that failed on a bad frame counts as a rejected frame too.</summary>
    public void HandshakeFailed(string reason, bool frameRejected)
    {
        _handshakeFailures.Add(1, new KeyValuePair<string, object?>("reason", reason));
        if (frameRejected)
        {
            FrameRejected(reason);
        }
    }

    public void FrameRejected(string reason) => _framesRejected.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void Dispose() => _meter.Dispose();
}
