using System.Diagnostics.Metrics;
using PeerVault.Node.Protocol;

namespace PeerVault.Node.Diagnostics;

/// <summary>
/// The node's instruments (Meter <c>PeerVault.Node</c>). Names follow OpenTelemetry conventions:
/// dotted lower-case, units in UCUM, bounded label values (reasons are enum names).
/// </summary>
public sealed class NodeMetrics : IDisposable
{
    public const string MeterName = "PeerVault.Node";

    private readonly Meter _meter;
    private readonly UpDownCounter<long> _peersConnected;
    private readonly Counter<long> _handshakeFailures;
    private readonly Counter<long> _framesRejected;

    public NodeMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeterName);
        _peersConnected = _meter.CreateUpDownCounter<long>("peervault.peers.connected", "{peer}", "Peers with an authenticated connection.");
        _handshakeFailures = _meter.CreateCounter<long>("peervault.handshake.failures", "{handshake}", "Handshakes refused, by reason.");
        _framesRejected = _meter.CreateCounter<long>("peervault.frames.rejected", "{frame}", "Frames that ended a connection, by reason.");
    }

    public Meter Meter => _meter;

    public void PeerConnected() => _peersConnected.Add(1);

    public void PeerDisconnected() => _peersConnected.Add(-1);

    public void HandshakeFailed(string reason)
    {
        _handshakeFailures.Add(1, new KeyValuePair<string, object?>("reason", reason));
        if (Enum.TryParse<RejectReason>(reason, out var frameReason) && IsFrameReason(frameReason))
        {
            FrameRejected(frameReason);
        }
    }

    public void FrameRejected(RejectReason reason) => _framesRejected.Add(1, new KeyValuePair<string, object?>("reason", reason.ToString()));

    private static bool IsFrameReason(RejectReason reason)
        => reason is RejectReason.UnknownType or RejectReason.Oversized or RejectReason.Truncated or RejectReason.Malformed or RejectReason.BadMac or RejectReason.UnexpectedFrame;

    public void Dispose() => _meter.Dispose();
}
