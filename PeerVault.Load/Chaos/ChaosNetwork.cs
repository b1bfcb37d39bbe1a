namespace PeerVault.Load.Chaos;

/// <summary>Where one node runs and how it is reached: its address, ports, and the command it is started under.</summary>
internal sealed record NodePlace(string Host, int HttpPort, int PeerPort, IReadOnlyList<string>? Launcher)
{
    /// <summary>What the node advertises and its peers bootstrap with.</summary>
    public string PeerAddress => $"{Host}:{PeerPort}";
}

/// <summary>
/// The network the nodes run on: a network namespace per node on a bridge (partitions possible), or
/// loopback (no partitions). The harness itself, the client side, reaches every node either way.
/// </summary>
internal abstract class ChaosNetwork : IAsyncDisposable
{
    /// <summary>One line for the summary and the history.</summary>
    public abstract string Description { get; }

    public abstract bool CanPartition { get; }

    /// <summary>Prepares node <paramref name="number"/>'s place (a namespace, or free ports).</summary>
    public abstract Task<NodePlace> AddNodeAsync(int number, CancellationToken cancellationToken);

    /// <summary>Removes node <paramref name="number"/>'s place once its process is gone.</summary>
    public abstract Task RemoveNodeAsync(int number);

    /// <summary>
    /// Makes exactly these node pairs unable to reach each other (silently, both ways), and every
    /// other pair able to; clients are never cut off.
    /// </summary>
    public abstract Task SetBlockedAsync(IReadOnlyCollection<(int A, int B)> pairs, CancellationToken cancellationToken);

    public abstract ValueTask DisposeAsync();
}

/// <summary>Every node on 127.0.0.1 with ports of its own: the fallback where namespaces cannot be made.</summary>
internal sealed class LoopbackNetwork : ChaosNetwork
{
    public override string Description => "loopback (127.0.0.1, a port pair per node)";

    public override bool CanPartition => false;

    public override Task<NodePlace> AddNodeAsync(int number, CancellationToken cancellationToken)
    {
        var ports = LocalCluster.FreePorts(2);
        return Task.FromResult(new NodePlace("127.0.0.1", ports[0], ports[1], null));
    }

    public override Task RemoveNodeAsync(int number) => Task.CompletedTask;

    public override Task SetBlockedAsync(IReadOnlyCollection<(int A, int B)> pairs, CancellationToken cancellationToken)
        => pairs.Count == 0 ? Task.CompletedTask : throw new NotSupportedException("Partitions need network namespaces.");

    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
