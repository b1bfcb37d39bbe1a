using System.Diagnostics.Metrics;
using PeerVault.Node.Protocol;

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
    }

    /// <summary>Reports how many objects lack a replica on some known peer (set once by the replicator).</summary>
    public void ObserveUnderReplicated(Func<int> count)
        => _meter.CreateObservableGauge("peervault.objects.under_replicated", count, "{object}", "Objects this node wrote that some known peer does not hold yet.");

    public void Stored(long bytes) => _bytesStored.Add(bytes);

    public void Served(long bytes) => _bytesServed.Add(bytes);

    public void Replicated(long bytes, string direction) => _bytesReplicated.Add(bytes, new KeyValuePair<string, object?>("direction", direction));

    public void ObjectStored(string source) => _objectsStored.Add(1, new KeyValuePair<string, object?>("source", source));

    public void ReplicationFinished(TimeSpan duration, string outcome)
        => _replicationDuration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("outcome", outcome));

    public void PeerConnected() => _peersConnected.Add(1);

    public void PeerDisconnected() => _peersConnected.Add(-1);

    /// <summary>Counts a refused handshake by reason; one that failed on a bad frame counts as a rejected frame too.</summary>
    public void HandshakeFailed(Exception failure)
    {
        _handshakeFailures.Add(1, new KeyValuePair<string, object?>("reason", ReasonOf(failure)));
        if (failure is PeerProtocolException { Reason: var reason } && IsFrameReason(reason))
        {
            FrameRejected(reason);
        }
    }

    /// <summary>The bounded label for a handshake failure: the protocol's reject reason, else the exception type.</summary>
    public static string ReasonOf(Exception failure)
        => failure is PeerProtocolException violation ? violation.Reason.ToString() : failure.GetType().Name;

    public void FrameRejected(RejectReason reason) => _framesRejected.Add(1, new KeyValuePair<string, object?>("reason", reason.ToString()));

    private static bool IsFrameReason(RejectReason reason)
        => reason is RejectReason.UnknownType or RejectReason.Oversized or RejectReason.Truncated or RejectReason.Malformed or RejectReason.BadMac or RejectReason.UnexpectedFrame;

    public void Dispose() => _meter.Dispose();
}
