using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace PeerVault.Tests.Infrastructure;

/// <summary>
/// Sums the counters of one in-process node (its own meter, told apart from the other nodes' in the
/// same process by the meter factory that created it), as an exporter would receive them.
/// </summary>
public sealed class NodeMeasurements : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, long> _sums = new(StringComparer.Ordinal);

    public NodeMeasurements(TestNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        var factory = node.Services.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, factory) && instrument.Meter.Name == PeerVault.Node.Diagnostics.NodeMetrics.MeterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => _sums.AddOrUpdate(instrument.Name, value, (_, sum) => sum + value));
        _listener.SetMeasurementEventCallback<double>((instrument, value, _, _) => _sums[instrument.Name] = (long)(value * 1000));
        _listener.Start();
    }

    /// <summary>The sum of a counter so far (for a gauge: its last value × 1000, after <see cref="Observe"/>).</summary>
    public long Sum(string instrument) => _sums.GetValueOrDefault(instrument);

    /// <summary>Reads the observable gauges now.</summary>
    public void Observe() => _listener.RecordObservableInstruments();

    public void Dispose() => _listener.Dispose();
}
