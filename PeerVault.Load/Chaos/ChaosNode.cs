namespace PeerVault.Load.Chaos;

internal enum NodeState
{
    Up,
    Down,
    Paused,
    Removed,
}

/// <summary>One node of the chaos cluster: its process, its place on the network, and what the nemesis may do to it.</summary>
internal sealed class ChaosNode(int number, NodePlace place, LocalNode process, string? diskMount, string? clockFile)
{
    public int Number { get; } = number;

    public string Name => Process.Name;

    public NodePlace Place { get; } = place;

    public LocalNode Process { get; } = process;

    public Uri Endpoint => Process.Endpoint;

    /// <summary>The tmpfs its data directory lives on (null: the work directory's disk).</summary>
    public string? DiskMount { get; } = diskMount;

    /// <summary>libfaketime's timestamp file for this node (null: its clock is the machine's).</summary>
    public string? ClockFile { get; } = clockFile;

    /// <summary>The id it last reported in <c>/v1/cluster</c>.</summary>
    public string? Id { get; set; }

    public NodeState State { get; set; } = NodeState.Down;

    /// <summary>Being removed: clients no longer send requests through it.</summary>
    public bool Leaving { get; set; }

    public static string NameOf(int number) => $"node{number}";
}
