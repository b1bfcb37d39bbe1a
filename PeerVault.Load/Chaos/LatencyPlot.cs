using System.Globalization;
using System.Security;
using System.Text;

namespace PeerVault.Load.Chaos;

/// <summary>
/// The run as a picture, like Jepsen's latency plots: every operation at its start time and its
/// latency (log scale), coloured by kind, filled when acknowledged, hollow when indeterminate, a
/// cross when it failed; fault windows shaded and labelled above the plot; every anomaly ringed
/// (red: a failure, amber: a weakened-promise read). Plain SVG, no dependency.
/// </summary>
internal static class LatencyPlot
{
    private const double Width = 1600;
    private const double Left = 70;
    private const double Right = 20;
    private const double LaneHeight = 14;
    private const double PlotHeight = 520;
    private const double MinMs = 1;

    private static readonly (OpKind Kind, string Colour)[] Kinds =
    [
        (OpKind.Put, "#1f77b4"),
        (OpKind.Get, "#2ca02c"),
        (OpKind.Delete, "#ff7f0e"),
        (OpKind.List, "#9467bd"),
    ];

    public static void Write(ChaosHistory history, CheckReport report, string path)
    {
        var operations = history.Operations;
        var endMs = Math.Max(1000, operations.Select(o => o.CompleteMs ?? o.InvokeMs).Concat(history.Faults.Select(f => f.HealMs ?? f.StartMs)).DefaultIfEmpty(1000).Max());
        var maxLatency = Math.Max(10_000, operations.Where(o => o.CompleteMs is not null).Select(o => o.CompleteMs!.Value - o.InvokeMs).DefaultIfEmpty(0).Max());
        var lanes = AssignLanes(history.Faults, endMs);
        var laneCount = lanes.Count == 0 ? 0 : lanes.Values.Max() + 1;
        var top = 40 + (laneCount * LaneHeight) + 6;
        var height = top + PlotHeight + 70;
        var plotWidth = Width - Left - Right;
        double X(double ms) => Left + (ms / endMs * plotWidth);
        double Y(double ms) => top + PlotHeight - (Math.Log10(Math.Max(MinMs, ms) / MinMs) / Math.Log10(maxLatency / MinMs) * PlotHeight);
        string F(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);

        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"""<svg xmlns="http://www.w3.org/2000/svg" width="{F(Width)}" height="{F(height)}" viewBox="0 0 {F(Width)} {F(height)}" font-family="sans-serif" font-size="11">""").Append('\n');
        svg.Append("<defs>");
        foreach (var (kind, colour) in Kinds)
        {
            var k = Operation.KindName(kind)[0];
            svg.Append(CultureInfo.InvariantCulture, $"""<circle id="o{k}" r="1.8" fill="{colour}" fill-opacity="0.55"/><circle id="i{k}" r="2.6" fill="none" stroke="{colour}" stroke-width="0.9"/><path id="f{k}" d="M-2.5,-2.5L2.5,2.5M-2.5,2.5L2.5,-2.5" stroke="{colour}" stroke-width="1"/>""");
        }

        svg.Append("</defs>\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        var run = history.Run;
        var failing = report.Anomalies.Count(a => a.Fails);
        svg.Append(CultureInfo.InvariantCulture, $"""<text x="{F(Left)}" y="20" font-size="14" font-weight="bold">PeerVault chaos · seed {run.Seed} · preset {Esc(run.Preset)} · {run.Nodes.Count} nodes · R={run.Replicas} W={run.WriteQuorum} · {operations.Count:N0} operations · {(failing == 0 ? "no anomaly" : $"{failing} anomalies")}</text>""").Append('\n');

        // Fault windows: shaded in the plot, labelled in lanes above it.
        foreach (var fault in history.Faults)
        {
            var colour = FaultColour(fault.Kind);
            var x0 = X(fault.StartMs);
            var x1 = Math.Max(x0 + 2, X(Math.Min(fault.EndMs, endMs)));
            var lane = lanes[fault.Id];
            var y = 34 + (lane * LaneHeight);
            svg.Append(CultureInfo.InvariantCulture, $"""<rect x="{F(x0)}" y="{F(top)}" width="{F(x1 - x0)}" height="{F(PlotHeight)}" fill="{colour}" fill-opacity="0.10"/>""");
            svg.Append(CultureInfo.InvariantCulture, $"""<rect x="{F(x0)}" y="{F(y)}" width="{F(x1 - x0)}" height="{F(LaneHeight - 3)}" fill="{colour}" fill-opacity="0.45"><title>{Esc($"{fault.Kind}: {fault.Detail} ({fault.StartMs / 1000:0.0}–{(fault.HealMs is { } heal ? (heal / 1000).ToString("0.0", CultureInfo.InvariantCulture) : "…")} s)")}</title></rect>""");
            svg.Append(CultureInfo.InvariantCulture, $"""<text x="{F(x0 + 2)}" y="{F(y + LaneHeight - 5)}" font-size="9">{Esc(Label(fault))}</text>""").Append('\n');
        }

        // Axes and grid.
        svg.Append(CultureInfo.InvariantCulture, $"""<rect x="{F(Left)}" y="{F(top)}" width="{F(plotWidth)}" height="{F(PlotHeight)}" fill="none" stroke="#888"/>""").Append('\n');
        foreach (var tick in new[] { 1.0, 10, 100, 1000, 10_000, 60_000, 600_000 }.Where(t => t <= maxLatency))
        {
            svg.Append(CultureInfo.InvariantCulture, $"""<line x1="{F(Left)}" x2="{F(Width - Right)}" y1="{F(Y(tick))}" y2="{F(Y(tick))}" stroke="#ddd"/><text x="{F(Left - 6)}" y="{F(Y(tick) + 4)}" text-anchor="end">{(tick >= 1000 ? $"{tick / 1000:0} s" : $"{tick:0} ms")}</text>""").Append('\n');
        }

        var step = new[] { 5.0, 10, 15, 30, 60, 120, 300, 600, 1800 }.First(s => endMs / 1000 / s <= 20);
        for (var second = 0.0; second * 1000 <= endMs; second += step)
        {
            svg.Append(CultureInfo.InvariantCulture, $"""<line x1="{F(X(second * 1000))}" x2="{F(X(second * 1000))}" y1="{F(top + PlotHeight)}" y2="{F(top + PlotHeight + 5)}" stroke="#888"/><text x="{F(X(second * 1000))}" y="{F(top + PlotHeight + 18)}" text-anchor="middle">{second:0}</text>""");
        }

        svg.Append(CultureInfo.InvariantCulture, $"""<text x="{F(Left + (plotWidth / 2))}" y="{F(top + PlotHeight + 34)}" text-anchor="middle">time since the run began (s); latency on a log scale</text>""").Append('\n');

        // Operations.
        foreach (var operation in operations)
        {
            var latency = (operation.CompleteMs ?? endMs) - operation.InvokeMs;
            var shape = operation.Outcome switch { OpOutcome.Ok => 'o', OpOutcome.Fail => 'f', _ => 'i' };
            svg.Append(CultureInfo.InvariantCulture, $"""<use href="#{shape}{Operation.KindName(operation.Kind)[0]}" x="{F(X(operation.InvokeMs))}" y="{F(Y(latency))}"/>""").Append('\n');
        }

        // Anomalies.
        var byId = operations.ToDictionary(o => o.Id);
        foreach (var anomaly in report.Anomalies)
        {
            var colour = anomaly.Fails ? "#d62728" : "#e6a700";
            double x = X(anomaly.AtMs), y = top + 8;
            if (anomaly.Op is { } id && byId.TryGetValue(id, out var operation))
            {
                y = Y((operation.CompleteMs ?? endMs) - operation.InvokeMs);
            }

            svg.Append(CultureInfo.InvariantCulture, $"""<circle cx="{F(x)}" cy="{F(y)}" r="6" fill="none" stroke="{colour}" stroke-width="2"><title>{Esc($"{anomaly.Kind}: {anomaly.Message}")}</title></circle>""").Append('\n');
        }

        // Legend.
        var legendY = top + PlotHeight + 54;
        var legendX = Left;
        foreach (var (kind, colour) in Kinds)
        {
            svg.Append(CultureInfo.InvariantCulture, $"""<circle cx="{F(legendX)}" cy="{F(legendY - 4)}" r="4" fill="{colour}"/><text x="{F(legendX + 8)}" y="{F(legendY)}">{Operation.KindName(kind).ToUpperInvariant()}</text>""");
            legendX += 70;
        }

        svg.Append(CultureInfo.InvariantCulture, $"""<text x="{F(legendX)}" y="{F(legendY)}">filled: acknowledged/answered · hollow: indeterminate (5xx, timeout, cut) · cross: failed (never sent, 4xx) · red ring: anomaly · amber ring: weakened-promise read</text>""");
        svg.Append("\n</svg>\n");
        File.WriteAllText(path, svg.ToString());
    }

    private static string Label(FaultWindow fault)
        => fault.IsPartition ? $"{fault.Kind} {fault.Detail}" : $"{fault.Kind} {string.Join(",", fault.Nodes)}";

    /// <summary>Each fault's lane: the first whose last label ends before this fault starts (labels need about 110 px).</summary>
    private static Dictionary<long, int> AssignLanes(List<FaultWindow> faults, double endMs)
    {
        var lanes = new Dictionary<long, int>();
        var laneEnds = new List<double>();
        var labelMs = endMs * 150 / (Width - Left - Right);
        foreach (var fault in faults.OrderBy(f => f.StartMs))
        {
            var end = Math.Max(Math.Min(fault.EndMs, endMs), fault.StartMs + labelMs);
            var lane = laneEnds.FindIndex(e => e <= fault.StartMs);
            if (lane < 0)
            {
                laneEnds.Add(end);
                lane = laneEnds.Count - 1;
            }
            else
            {
                laneEnds[lane] = end;
            }

            lanes[fault.Id] = lane;
        }

        return lanes;
    }

    private static string FaultColour(string kind) => kind switch
    {
        "kill" or "pause" => "#ff7f0e",
        "isolate" or "split" or "bridge" => "#d62728",
        "skew-small" or "skew-large" or "clock-back" => "#1f77b4",
        "disk-full" or "wipe" => "#8c564b",
        _ => "#2ca02c",
    };

    private static string Esc(string text) => SecurityElement.Escape(text);
}
