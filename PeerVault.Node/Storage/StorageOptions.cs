namespace PeerVault.Node.Storage;

/// <summary>How a node watches and checks its own disk; validated when the node starts.</summary>
public sealed record StorageOptions
{
    /// <summary>How often the data directory is probed (exists, writable, layout intact) besides after every failed write.</summary>
    public TimeSpan ProbeInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Time between the end of one scrub pass (every stored blob verified) and the start of the next.</summary>
    public TimeSpan ScrubInterval { get; init; } = TimeSpan.FromHours(24);

    /// <summary>Sealed bytes per second a scrub pass may read, so clients keep priority on the disk.</summary>
    public long ScrubBytesPerSecond { get; init; } = 32L << 20;
}
