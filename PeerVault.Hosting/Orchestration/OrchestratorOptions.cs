namespace Aspire.Hosting.Orchestration;

/// <summary>How this run of the orchestrator is set up.</summary>
internal sealed record OrchestratorOptions
{
    public required string EnvironmentName { get; init; }

    /// <summary>Where resources with a data directory keep it: <c>{DataRoot}/{resource}</c>.</summary>
    public required string DataRoot { get; init; }

    /// <summary>The dashboard's OTLP endpoint; null when no dashboard runs (no telemetry export).</summary>
    public string? OtlpEndpoint { get; init; }

    public string OtlpProtocol { get; init; } = "grpc";

    public string? OtlpApiKey { get; init; }

    /// <summary>Echo resource output to this process's console (run mode), prefixed by resource name.</summary>
    public bool WriteToConsole { get; init; } = true;

    public TimeSpan StopGracePeriod { get; init; } = TimeSpan.FromSeconds(5);
}
