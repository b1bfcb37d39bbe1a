namespace Aspire.Hosting.ApplicationModel;

/// <summary>The states a resource goes through, as Aspire names them.</summary>
public static class KnownResourceStates
{
    public const string NotStarted = "NotStarted";
    public const string Waiting = "Waiting";
    public const string Starting = "Starting";
    public const string Running = "Running";
    public const string FailedToStart = "FailedToStart";
    public const string RuntimeUnhealthy = "RuntimeUnhealthy";
    public const string Stopping = "Stopping";
    public const string Exited = "Exited";
    public const string Finished = "Finished";

    /// <summary>States after which the process is gone.</summary>
    public static bool IsTerminal(string state) => state is Exited or Finished or FailedToStart;
}

public enum HealthStatus
{
    Unhealthy,
    Healthy,
}
