using System.Text.Json.Serialization;

namespace PeerVault.Load.Bench;

/// <summary>Everything one bench run measured: written as JSON so that runs can be compared.</summary>
internal sealed record BenchResult(
    DateTimeOffset StartedAt,
    double DurationSeconds,
    string? GitCommit,
    MachineInfo Machine,
    BenchSettings Settings,
    ClusterInfo Cluster,
    MachineLimits? Limits,
    IReadOnlyList<PhaseResult> Phases,
    long Errors,
    long VerificationFailures,
    IReadOnlyList<string> Problems);

/// <summary>Where it ran. <paramref name="DataDirectory"/> is where the disk limits were measured (the nodes' data, for a local cluster).</summary>
internal sealed record MachineInfo(string Host, string Os, string Runtime, int Processors, string? CpuModel, long MemoryBytes, string DataDirectory, string? FileSystem);

internal sealed record BenchSettings(long LargeBytes, long ThroughBytes, int SmallBytes, int SmallCount, IReadOnlyList<int> Concurrency, double PhaseSeconds, IReadOnlyList<string> Only);

internal sealed record ClusterInfo(bool Local, IReadOnlyList<string> Endpoints, IReadOnlyList<string> Nodes, int Replicas, int WriteQuorum);

/// <summary>
/// The machine's own limits, measured in the same run: what the node's work could at best reach.
/// Megabytes are 10^6 bytes.
/// </summary>
internal sealed record MachineLimits(
    double DiskWriteFsyncMBps,
    long DiskBytes,
    double AesGcmMBps,
    double Sha256MBps,
    double LoopbackTcpMBps,
    double SmallFilesPerSecond,
    string SmallFilesNote);

/// <summary>One phase: a workload at one concurrency through one node or all of them.</summary>
internal sealed record PhaseResult(
    string Name,
    string Workload,
    int Concurrency,
    string Through,
    long Operations,
    long Errors,
    long Verified,
    long VerificationFailures,
    long Bytes,
    double Seconds,
    double OpsPerSecond,
    double MegabytesPerSecond,
    LatencyFigures Latency,
    IReadOnlyList<NodeUsage> Nodes,
    RatioFigures? Ratio,
    string? Note);

/// <summary>Milliseconds.</summary>
internal sealed record LatencyFigures(double P50, double P90, double P99, double Max);

/// <summary>A node's peak working set (resident memory) during the phase and the CPU time it spent in it.</summary>
internal sealed record NodeUsage(string Node, double PeakWorkingSetMB, double CpuSeconds);

/// <summary>
/// A result against its limit: <paramref name="Ratio"/> is the measured value over
/// <paramref name="LimitValue"/>; where the performance issue sets a target, <paramref name="Met"/>
/// says whether the ratio is at least it (or, for memory, at most it).
/// </summary>
internal sealed record RatioFigures(string Limit, double LimitValue, string Unit, double Ratio, double? Target, string? Comparison, bool? Met);

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(BenchResult))]
internal sealed partial class BenchJsonContext : JsonSerializerContext;
