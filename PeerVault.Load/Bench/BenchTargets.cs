namespace PeerVault.Load.Bench;

/// <summary>
/// Each result against the limit the performance issue measures it by, and its target there:
/// large PUT ≥ 0.9 × (disk write+fsync / 3, three replicas on one disk); large GET, local and
/// peer-served, ≥ 0.8 × min(loopback, AES-GCM, SHA-256); small PUT at concurrency 32 ≥ 0.6 ×
/// (fsynced small files per second / 2); small GET at concurrency 32 ≥ 20,000/s; a node's peak
/// working set under 200 MB while a large object passes through it.
/// </summary>
internal static class BenchTargets
{
    public const double SmallGetPerSecond = 20_000;
    public const double WorkingSetMB = 200;

    public static PhaseResult Attach(PhaseResult phase, MachineLimits? limits, IReadOnlyList<string> nodeNames, int? watchedNode = null)
    {
        var ratio = phase.Name switch
        {
            "large put" when limits is not null => AtLeast("disk write+fsync / 3", limits.DiskWriteFsyncMBps / 3, "MB/s", phase.MegabytesPerSecond, 0.9),
            "large get local" or "large get peer" when limits is not null => AtLeast(
                $"min(loopback {limits.LoopbackTcpMBps:0}, AES-GCM {limits.AesGcmMBps:0}, SHA-256 {limits.Sha256MBps:0})",
                Math.Min(limits.LoopbackTcpMBps, Math.Min(limits.AesGcmMBps, limits.Sha256MBps)),
                "MB/s",
                phase.MegabytesPerSecond,
                0.8),
            _ when phase.Name.StartsWith("small put", StringComparison.Ordinal) && limits is not null
                => AtLeast("fsynced small files/s / 2", limits.SmallFilesPerSecond / 2, "ops/s", phase.OpsPerSecond, phase.Concurrency == 32 ? 0.6 : null),
            _ when phase.Name.StartsWith("small delete", StringComparison.Ordinal) && limits is not null
                => AtLeast("fsynced small files/s / 2", limits.SmallFilesPerSecond / 2, "ops/s", phase.OpsPerSecond, null),
            _ when phase.Name.StartsWith("small get", StringComparison.Ordinal)
                => AtLeast("20,000 GET/s", SmallGetPerSecond, "ops/s", phase.OpsPerSecond, phase.Concurrency == 32 ? 1.0 : null),
            "through put" or "through get" => WorkingSet(phase, watchedNode is { } node ? nodeNames[node] : phase.Through),
            _ => null,
        };
        return phase with { Ratio = ratio };
    }

    private static RatioFigures AtLeast(string limit, double limitValue, string unit, double measured, double? target)
    {
        var ratio = limitValue > 0 ? Math.Round(measured / limitValue, 3) : 0;
        return new RatioFigures(limit, Math.Round(limitValue, 1), unit, ratio, target, target is null ? null : ">=", target is null ? null : ratio >= target);
    }

    /// <summary>The watched node's peak working set over 200 MB: at most 1.</summary>
    private static RatioFigures? WorkingSet(PhaseResult phase, string node)
    {
        if (phase.Nodes.FirstOrDefault(n => n.Node == node) is not { } usage)
        {
            return null;
        }

        var ratio = Math.Round(usage.PeakWorkingSetMB / WorkingSetMB, 3);
        return new RatioFigures($"{node} peak working set / 200 MB", WorkingSetMB, "MB", ratio, 1.0, "<=", ratio <= 1.0);
    }
}
