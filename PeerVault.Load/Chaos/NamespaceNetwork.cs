using System.Globalization;
using System.Text;

namespace PeerVault.Load.Chaos;

/// <summary>
/// Each node in a Linux network namespace of its own (<c>pvchaos-PID-nK</c>), joined by a veth pair
/// to one bridge in the root namespace, with an address in 10.231.X.0/24 (X picked so no other
/// run's bridge has it); the harness holds .254 on the bridge, node K holds .K and binds 8080 (HTTP)
/// and 7000 (peers). Partitions are silent per-pair drops by nftables inside the namespaces; the
/// harness's address is never dropped, so every client reaches every node.
/// </summary>
internal sealed class NamespaceNetwork : ChaosNetwork
{
    public const int HttpPort = 8080;
    public const int PeerPort = 7000;
    private const string Table = "pvchaos";
    private readonly int _pid;
    private readonly int _subnet;
    private readonly HashSet<int> _nodes = [];
    private readonly Dictionary<int, string> _applied = [];
    private readonly SemaphoreSlim _gate = new(1, 1);

    private NamespaceNetwork(int pid, int subnet)
    {
        _pid = pid;
        _subnet = subnet;
    }

    public override string Description => $"network namespaces {Prefix(_pid)}-nK, 10.231.{_subnet}.0/24 on bridge {Bridge(_pid)} (harness at .254)";

    public override bool CanPartition => true;

    public static string Prefix(int pid) => $"pvchaos-{pid.ToString(CultureInfo.InvariantCulture)}";

    public static string Bridge(int pid) => $"pvc{pid.ToString(CultureInfo.InvariantCulture)}br";

    public string Namespace(int number) => $"{Prefix(_pid)}-n{number.ToString(CultureInfo.InvariantCulture)}";

    public string Address(int number) => $"10.231.{_subnet}.{number.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The bridge and the harness's address on it; throws (with the command's error) where namespaces cannot be made.</summary>
    public static async Task<NamespaceNetwork> CreateAsync(CancellationToken cancellationToken)
    {
        var pid = Environment.ProcessId;
        var subnet = await FreeSubnetAsync(pid, cancellationToken);
        var network = new NamespaceNetwork(pid, subnet);
        try
        {
            var bridge = Bridge(pid);
            await Shell.CheckAsync("ip", ["link", "add", bridge, "type", "bridge"], cancellationToken: cancellationToken);
            await Shell.CheckAsync("ip", ["addr", "add", $"10.231.{subnet}.254/24", "dev", bridge], cancellationToken: cancellationToken);
            await Shell.CheckAsync("ip", ["link", "set", bridge, "up"], cancellationToken: cancellationToken);

            // A namespace proves the rest works before any node depends on it.
            await network.AddNodeAsync(1, cancellationToken);
            return network;
        }
        catch
        {
            await network.DisposeAsync();
            throw;
        }
    }

    public override async Task<NodePlace> AddNodeAsync(int number, CancellationToken cancellationToken)
    {
        if (number is < 1 or > 250)
        {
            throw new ArgumentOutOfRangeException(nameof(number), "Node numbers are 1..250.");
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_nodes.Add(number))
            {
                var name = Namespace(number);
                var host = $"pvc{_pid.ToString(CultureInfo.InvariantCulture)}n{number.ToString(CultureInfo.InvariantCulture)}";
                await Shell.CheckAsync("ip", ["netns", "add", name], cancellationToken: cancellationToken);
                await Shell.CheckAsync("ip", ["link", "add", host, "type", "veth", "peer", "name", host + "p"], cancellationToken: cancellationToken);
                await Shell.CheckAsync("ip", ["link", "set", host + "p", "netns", name], cancellationToken: cancellationToken);
                await Shell.CheckAsync("ip", ["link", "set", host, "master", Bridge(_pid), "up"], cancellationToken: cancellationToken);
                await Shell.CheckAsync("ip", ["-n", name, "link", "set", host + "p", "name", "eth0"], cancellationToken: cancellationToken);
                await Shell.CheckAsync("ip", ["-n", name, "addr", "add", $"{Address(number)}/24", "dev", "eth0"], cancellationToken: cancellationToken);
                await Shell.CheckAsync("ip", ["-n", name, "link", "set", "eth0", "up"], cancellationToken: cancellationToken);
                await Shell.CheckAsync("ip", ["-n", name, "link", "set", "lo", "up"], cancellationToken: cancellationToken);
            }
        }
        finally
        {
            _gate.Release();
        }

        return new NodePlace(Address(number), HttpPort, PeerPort, ["ip", "netns", "exec", Namespace(number)]);
    }

    public override async Task RemoveNodeAsync(int number)
    {
        await _gate.WaitAsync();
        try
        {
            if (_nodes.Remove(number))
            {
                _applied.Remove(number);
                await Shell.RunAsync("ip", ["netns", "del", Namespace(number)]);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public override async Task SetBlockedAsync(IReadOnlyCollection<(int A, int B)> pairs, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            foreach (var node in _nodes)
            {
                var peers = pairs.Where(p => p.A == node || p.B == node).Select(p => Address(p.A == node ? p.B : p.A)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
                var script = Rules(peers);
                if (_applied.TryGetValue(node, out var current) ? current == script : peers.Count == 0)
                {
                    continue;
                }

                await Shell.CheckAsync("ip", ["netns", "exec", Namespace(node), "nft", "-f", "-"], script, cancellationToken);
                _applied[node] = script;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public override async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes.ToList())
        {
            await RemoveNodeAsync(node);
        }

        await Shell.RunAsync("ip", ["link", "del", Bridge(_pid)]);
        _gate.Dispose();
    }

    /// <summary>Replaces this namespace's table: drops to and from each peer address (none: no table).</summary>
    private static string Rules(List<string> peers)
    {
        // Creating the table first makes the delete succeed whether or not it existed.
        var script = new StringBuilder($"table inet {Table} {{}}\ndelete table inet {Table}\n");
        if (peers.Count > 0)
        {
            var set = string.Join(", ", peers);
            script.Append(CultureInfo.InvariantCulture, $$"""
                table inet {{Table}} {
                  chain input { type filter hook input priority 0; policy accept; ip saddr { {{set}} } drop; }
                  chain output { type filter hook output priority 0; policy accept; ip daddr { {{set}} } drop; }
                }

                """);
        }

        return script.ToString();
    }

    /// <summary>A third octet no address in the root namespace uses yet, starting from one derived from the pid.</summary>
    private static async Task<int> FreeSubnetAsync(int pid, CancellationToken cancellationToken)
    {
        var addresses = await Shell.CheckAsync("ip", ["-o", "-4", "addr", "show"], cancellationToken: cancellationToken);
        for (var i = 0; i < 250; i++)
        {
            var subnet = ((pid + i) % 250) + 1;
            if (!addresses.Contains($" 10.231.{subnet}.", StringComparison.Ordinal))
            {
                return subnet;
            }
        }

        throw new InvalidOperationException("No free 10.231.X.0/24 subnet is left.");
    }
}
