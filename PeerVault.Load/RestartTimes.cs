namespace PeerVault.Load;

/// <summary>When the restart in the middle happened, from the start of the workload.</summary>
internal sealed class RestartTimes
{
    public string? Node { get; set; }

    public TimeSpan? Stopped { get; set; }

    public TimeSpan? Started { get; set; }

    public TimeSpan? Serving { get; set; }
}
