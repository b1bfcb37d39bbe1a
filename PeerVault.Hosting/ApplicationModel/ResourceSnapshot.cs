namespace Aspire.Hosting.ApplicationModel;

/// <summary>An endpoint as shown to people: its name and the URL it answers on.</summary>
public sealed record ResourceUrl(string Name, string Url);

/// <summary>An environment variable as shown to people: secrets carry a mask, never the value.</summary>
public sealed record EnvironmentVariableSnapshot(string Name, string Value, bool IsSecret);

/// <summary>Everything known about a resource at one moment.</summary>
public sealed record ResourceSnapshot
{
    public required string Name { get; init; }

    public required string ResourceType { get; init; }

    public string State { get; init; } = KnownResourceStates.NotStarted;

    /// <summary>Null when the resource has no health checks.</summary>
    public HealthStatus? HealthStatus { get; init; }

    public bool HasHealthChecks { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    public DateTimeOffset? StoppedAt { get; init; }

    public int? ExitCode { get; init; }

    public int? ProcessId { get; init; }

    public IReadOnlyList<ResourceUrl> Urls { get; init; } = [];

    public IReadOnlyList<EnvironmentVariableSnapshot> Environment { get; init; } = [];

    /// <summary>Why it failed to start or stopped unexpectedly, for people.</summary>
    public string? Message { get; init; }
}
