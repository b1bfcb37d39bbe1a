using System.Globalization;
using Spectre.Console;

namespace PeerVault.Load.Chaos;

/// <summary>The one-screen summary: the run, availability, what partitions did, every anomaly count, the first anomalies, the files.</summary>
internal static class ChaosSummary
{
    private static readonly (AnomalyKind Kind, string Label)[] Rows =
    [
        (AnomalyKind.ValueNeverWritten, "values never written"),
        (AnomalyKind.StaleRead, "stale reads"),
        (AnomalyKind.VersionOrder, "version-order violations"),
        (AnomalyKind.LostWrite, "lost acknowledged writes"),
        (AnomalyKind.Resurrection, "resurrections (lost deletes)"),
        (AnomalyKind.Divergence, "divergence after healing"),
        (AnomalyKind.UnexpectedError, "unexpected errors"),
        (AnomalyKind.WeakenedRead, "weakened-promise reads (not failures)"),
    ];

    public static void Print(TextWriter writer, ChaosHistory history, CheckReport report, IReadOnlyList<string> notes, string historyPath, string picturePath)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = writer == Console.Out && !Console.IsOutputRedirected ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = writer == Console.Out && !Console.IsOutputRedirected ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
        });
        if (writer != Console.Out || Console.IsOutputRedirected)
        {
            console.Profile.Width = 160;
        }

        var run = history.Run;
        var seconds = history.Operations.Count == 0 ? 0 : history.Operations.Max(o => o.EndMs is double.PositiveInfinity ? o.InvokeMs : o.EndMs) / 1000;
        var faults = history.Faults.Where(f => f.Kind != FaultWindow.NewIdKind).GroupBy(f => f.Kind).Select(g => $"{g.Key} ×{g.Count()}");
        console.WriteLine();
        console.MarkupLine($"[bold]chaos seed {run.Seed.ToString(CultureInfo.InvariantCulture)}[/] · {run.Nodes.Count} nodes · {Markup.Escape(run.Network)} · preset {Markup.Escape(run.Preset)} · R={run.Replicas} W={run.WriteQuorum}");
        console.WriteLine($"faults: {string.Join(", ", faults).DefaultIfBlank("none")}{(run.Skipped.Count == 0 ? string.Empty : $"; skipped: {string.Join("; ", run.Skipped)}")}");
        console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"operations: {history.Operations.Count(o => !o.IsFinal):N0} in {seconds:0} s, then {history.Operations.Count(o => o.IsFinal)} in the final round"));

        var availability = new Table().Border(TableBorder.Rounded).AddColumns("kind", "ok", "failed", "indeterminate", "p50 ms", "p99 ms", "max ms");
        foreach (var row in report.Availability)
        {
            availability.AddRow(row.Kind, N(row.Ok), N(row.Fail), N(row.Indeterminate), N(row.P50Ms), N(row.P99Ms), N(row.MaxMs));
        }

        console.Write(availability);
        if (report.PartitionSides.Count > 0)
        {
            console.WriteLine("during partitions, by the side of the node a request went through (ok / failed / indeterminate):");
            foreach (var side in report.PartitionSides.GroupBy(s => s.Side))
            {
                console.WriteLine($"  {side.Key,-8} " + string.Join("   ", side.Select(s => $"{s.Kind} {s.Ok}/{s.Fail}/{s.Indeterminate}")));
            }
        }

        var anomalies = new Table().Border(TableBorder.Rounded).AddColumns("anomaly", "count");
        foreach (var (kind, label) in Rows)
        {
            var count = report.Count(kind);
            anomalies.AddRow(label, count == 0 || kind == AnomalyKind.WeakenedRead ? N(count) : $"[red bold]{count}[/]");
        }

        console.Write(anomalies);
        foreach (var (note, count) in report.Notes.Where(n => n.Value > 0))
        {
            console.WriteLine($"note: {count} {note}");
        }

        foreach (var note in notes)
        {
            console.WriteLine($"note: {note}");
        }

        foreach (var anomaly in report.Anomalies.Where(a => a.Fails).Take(12))
        {
            console.WriteLine($"  {anomaly.Kind}: {anomaly.Message}");
        }

        var failing = report.Anomalies.Count(a => a.Fails);
        if (failing > 12)
        {
            console.WriteLine($"  … and {failing - 12} more in anomalies.txt");
        }

        console.WriteLine($"history: {historyPath}");
        console.WriteLine($"picture: {picturePath}");
        console.MarkupLine(report.Passed ? "[green bold]PASS[/]: no anomaly" : $"[red bold]FAIL[/]: {failing} anomalies (seed {run.Seed.ToString(CultureInfo.InvariantCulture)})");
    }

    private static string N(double value) => value.ToString("#,0.#", CultureInfo.InvariantCulture);

    private static string DefaultIfBlank(this string text, string fallback) => text.Length == 0 ? fallback : text;
}
