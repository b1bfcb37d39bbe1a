using System.Text.Json.Serialization;

namespace PeerVault.Load;

internal sealed record OperationFigures(long Succeeded, long ExpectedErrors, long UnexpectedErrors, double P50Milliseconds, double P99Milliseconds);

internal sealed record RestartFigures(string Mode, string? Node, double? StoppedAtSeconds, double? StartedAtSeconds, double? ServingAgainAtSeconds);

internal sealed record VerificationFigures(int Keys, int Live, int Deleted, int Ambiguous, long Failures);

/// <summary>A node's figures over the run: averages of the workload's first and last minute, the peaks, and the last sample (after the idle period).</summary>
internal sealed record NodeResourceSummary(
    string Node,
    IReadOnlyList<int> Pids,
    double FirstMinuteRssMiB,
    double LastMinuteRssMiB,
    double PeakRssMiB,
    double FirstMinuteOpenHandles,
    double LastMinuteOpenHandles,
    int PeakOpenHandles,
    double FirstMinuteThreads,
    double LastMinuteThreads,
    int PeakThreads,
    double EndRssMiB,
    int EndOpenHandles,
    int EndThreads);

internal sealed record SoakResult(
    DateTimeOffset StartedAt,
    double DurationSeconds,
    int Clients,
    int KeysPerClient,
    int Seed,
    IReadOnlyList<string> Endpoints,
    int WriteQuorum,
    RestartFigures Restart,
    IReadOnlyDictionary<string, OperationFigures> Operations,
    long TotalOperations,
    double OperationsPerSecond,
    long BytesWritten,
    long BytesRead,
    IReadOnlyDictionary<string, int> ExpectedErrors,
    IReadOnlyDictionary<string, int> UnexpectedErrors,
    IReadOnlyCollection<string> UnexpectedSamples,
    VerificationFigures Verification,
    IReadOnlyList<NodeResourceSummary> Resources,
    IReadOnlyList<ResourceSample> Samples,
    bool Passed);

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(SoakResult))]
internal sealed partial class SoakJsonContext : JsonSerializerContext;
