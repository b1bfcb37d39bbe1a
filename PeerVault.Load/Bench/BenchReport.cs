using System.Globalization;
using System.Text.Json;
using Spectre.Console;

namespace PeerVault.Load.Bench;

/// <summary>A run's result for people (one line per phase as it ends, tables at the end) and as JSON.</summary>
internal static class BenchReport
{
    /// <summary><c>small put c32: 1,234 ops/s 4.9 MB/s p50 20.1 ms p99 80.3 ms = 0.71 × fsynced small files/s / 2 (target ≥ 0.6: met)</c>.</summary>
    public static string Line(PhaseResult phase)
    {
        var line = $"{phase.Name}: {F(phase.OpsPerSecond)} ops/s {F(phase.MegabytesPerSecond)} MB/s p50 {F(phase.Latency.P50)} ms p99 {F(phase.Latency.P99)} ms";
        if (phase.Errors + phase.VerificationFailures > 0)
        {
            line += $", {phase.Errors} error(s), {phase.VerificationFailures} wrong";
        }

        return phase.Ratio is { } ratio ? $"{line} = {Ratio(ratio)} × {ratio.Limit} ({F(ratio.LimitValue)} {ratio.Unit}){Target(ratio)}" : line;
    }

    public static void Print(IAnsiConsole console, BenchResult result)
    {
        if (result.Limits is { } limits)
        {
            var machine = new Table().Title($"machine limits ({result.Machine.Processors} cores, {result.Machine.FileSystem ?? "?"} at {result.Machine.DataDirectory})").AddColumns("limit", "value");
            machine.AddRow($"disk write+fsync of {limits.DiskBytes >> 20} MiB", $"{F(limits.DiskWriteFsyncMBps)} MB/s");
            machine.AddRow("AES-256-GCM seal, 64 KiB chunks, one core", $"{F(limits.AesGcmMBps)} MB/s");
            machine.AddRow("SHA-256, one core", $"{F(limits.Sha256MBps)} MB/s");
            machine.AddRow("loopback TCP, one connection", $"{F(limits.LoopbackTcpMBps)} MB/s");
            machine.AddRow(Markup.Escape($"small files (4 KiB) created+fsynced ({limits.SmallFilesNote})"), $"{F(limits.SmallFilesPerSecond)} /s");
            console.Write(machine);
        }

        var table = new Table().AddColumns("phase", "through", "ops", "ops/s", "MB/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "errors", "ratio", "target", "peak WS MB", "CPU s");
        foreach (var phase in result.Phases)
        {
            table.AddRow(
                Markup.Escape(phase.Name),
                Markup.Escape(phase.Through),
                phase.Operations.ToString("N0", CultureInfo.InvariantCulture),
                F(phase.OpsPerSecond),
                F(phase.MegabytesPerSecond),
                F(phase.Latency.P50),
                F(phase.Latency.P90),
                F(phase.Latency.P99),
                F(phase.Latency.Max),
                phase.VerificationFailures > 0 ? $"{phase.Errors} ({phase.VerificationFailures} wrong)" : phase.Errors.ToString(CultureInfo.InvariantCulture),
                phase.Ratio is { } ratio ? Ratio(ratio) : "-",
                phase.Ratio is { Target: { } target } r ? Markup.Escape($"{r.Comparison} {target} {(r.Met == true ? "met" : "MISSED")}") : "-",
                phase.Nodes.Count == 0 ? "-" : Markup.Escape(phase.Nodes.MaxBy(n => n.PeakWorkingSetMB) is { } peak ? $"{peak.PeakWorkingSetMB:0} {peak.Node}" : "-"),
                phase.Nodes.Count == 0 ? "-" : phase.Nodes.Sum(n => n.CpuSeconds).ToString("0.0", CultureInfo.InvariantCulture));
        }

        console.Write(table);
        console.WriteLine("peak WS: the highest node's peak working set in the phase; CPU s: all nodes together (each node's figures are in the JSON)");
        foreach (var phase in result.Phases.Where(p => p.Ratio is not null))
        {
            console.WriteLine($"{phase.Name}: {phase.Ratio!.Limit} = {F(phase.Ratio.LimitValue)} {phase.Ratio.Unit}{(phase.Note is null ? string.Empty : $"; {phase.Note}")}");
        }

        foreach (var problem in result.Problems)
        {
            console.WriteLine($"problem: {problem}");
        }

        console.WriteLine($"{result.Phases.Count} phase(s) in {F(result.DurationSeconds)} s; {result.Phases.Sum(p => p.Verified):N0} bodies checked, {result.VerificationFailures} wrong, {result.Errors} error(s)");
    }

    public static string ToJson(BenchResult result) => JsonSerializer.Serialize(result, BenchJsonContext.Default.BenchResult);

    private static string Ratio(RatioFigures ratio) => ratio.Ratio.ToString("0.00", CultureInfo.InvariantCulture);

    private static string Target(RatioFigures ratio) => ratio.Target is { } target ? $" (target {ratio.Comparison} {target.ToString(CultureInfo.InvariantCulture)}: {(ratio.Met == true ? "met" : "MISSED")})" : string.Empty;

    private static string F(double value) => value.ToString(value >= 100 ? "N0" : "0.##", CultureInfo.InvariantCulture);
}
