using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;

namespace PeerVault.Load.Chaos;

/// <summary>
/// The nodes of a chaos run: Release <c>PeerVault.Node</c> processes sharing fresh secrets, each on
/// its <see cref="ChaosNetwork"/> place, bootstrapped with every member's peer address, binding and
/// advertising that address. Each keeps its data in the run's work directory (on a small tmpfs of
/// its own when the disk can be filled) and its log in the output directory. Disposing stops every
/// process and removes every namespace, mount and file the run made.
/// </summary>
internal sealed class ChaosCluster : IAsyncDisposable
{
    public const long DiskBytes = 384L << 20;
    private readonly Lock _lock = new();
    private readonly List<ChaosNode> _nodes = [];
    private readonly Dictionary<string, string> _environment;
    private readonly string _assembly = LocalCluster.NodeAssembly();
    private int _disposed;

    private ChaosCluster(ChaosNetwork network, string workDirectory, string logDirectory, IReadOnlyDictionary<string, string> settings, bool tmpfs, string? clockLibrary)
    {
        Network = network;
        WorkDirectory = workDirectory;
        LogDirectory = logDirectory;
        UsesTmpfs = tmpfs;
        ClockLibrary = clockLibrary;
        ApiKey = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        _environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["PEERVAULT_CLUSTER_KEY"] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)),
            ["PEERVAULT_AUTH_TOKEN"] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24)),
            ["PEERVAULT_API_KEY"] = ApiKey,
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["DOTNET_ENVIRONMENT"] = "Production",
        };
        foreach (var (variable, value) in settings)
        {
            _environment[variable] = value;
        }
    }

    public ChaosNetwork Network { get; }

    public string WorkDirectory { get; }

    public string LogDirectory { get; }

    public bool UsesTmpfs { get; }

    public string? ClockLibrary { get; }

    public string ApiKey { get; }

    /// <summary>Every node not removed, in number order.</summary>
    public IReadOnlyList<ChaosNode> Members
    {
        get
        {
            lock (_lock)
            {
                return [.. _nodes.Where(n => n.State != NodeState.Removed)];
            }
        }
    }

    public IReadOnlyList<ChaosNode> All
    {
        get
        {
            lock (_lock)
            {
                return [.. _nodes];
            }
        }
    }

    public ChaosNode Node(string name)
    {
        lock (_lock)
        {
            return _nodes.First(n => n.Name == name);
        }
    }

    /// <summary>Makes the work directory and the places of <paramref name="count"/> nodes, and starts them.</summary>
    public static async Task<ChaosCluster> StartAsync(ChaosNetwork network, int count, string workDirectory, string logDirectory, IReadOnlyDictionary<string, string> settings, bool tmpfs, string? clockLibrary, IReadOnlyDictionary<int, double> initialClocks, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.Combine(workDirectory, "pids"));
        Directory.CreateDirectory(logDirectory);
        var cluster = new ChaosCluster(network, workDirectory, logDirectory, settings, tmpfs, clockLibrary);
        try
        {
            var nodes = new List<ChaosNode>();
            for (var number = 1; number <= count; number++)
            {
                nodes.Add(await cluster.PrepareAsync(number, initialClocks.TryGetValue(number, out var offset) ? offset : 0, cancellationToken));
            }

            foreach (var node in nodes)
            {
                cluster.Start(node);
            }

            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>A fresh node (the next number), bootstrapped with every member, started.</summary>
    public async Task<ChaosNode> AddNodeAsync(CancellationToken cancellationToken)
    {
        int number;
        lock (_lock)
        {
            number = _nodes.Max(n => n.Number) + 1;
        }

        var node = await PrepareAsync(number, 0, cancellationToken);
        Start(node);
        return node;
    }

    /// <summary>Starts the node on its data, bootstrapped with every current member (as a headless service would resolve).</summary>
    public void Start(ChaosNode node)
    {
        node.Process.StartEnvironment["PEERVAULT_BOOTSTRAP"] = string.Join(',', Members.Select(m => m.Place.PeerAddress));
        Directory.CreateDirectory(node.Process.DataDirectory);
        node.Process.Start();
        node.State = NodeState.Up;
        File.WriteAllText(Path.Combine(WorkDirectory, "pids", node.Name), node.Process.Pid?.ToString(CultureInfo.InvariantCulture) ?? string.Empty);
    }

    public static async Task KillAsync(ChaosNode node, CancellationToken cancellationToken)
    {
        if (node.State == NodeState.Paused)
        {
            await node.Process.SignalAsync("CONT", cancellationToken);
        }

        await node.Process.StopAsync(RestartMode.Kill, cancellationToken);
        node.State = NodeState.Down;
    }

    /// <summary>SIGTERM (a graceful stop), SIGKILL if it has not ended within 15 s.</summary>
    public static async Task StopAsync(ChaosNode node, CancellationToken cancellationToken)
    {
        using var patience = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        patience.CancelAfter(TimeSpan.FromSeconds(15));
        try
        {
            await node.Process.StopAsync(RestartMode.Term, patience.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await node.Process.StopAsync(RestartMode.Kill, cancellationToken);
        }

        node.State = NodeState.Down;
    }

    public static async Task PauseAsync(ChaosNode node, CancellationToken cancellationToken)
    {
        if (await node.Process.SignalAsync("STOP", cancellationToken))
        {
            node.State = NodeState.Paused;
        }
    }

    public static async Task ResumeAsync(ChaosNode node, CancellationToken cancellationToken)
    {
        if (node.State == NodeState.Paused && await node.Process.SignalAsync("CONT", cancellationToken))
        {
            node.State = NodeState.Up;
        }
    }

    /// <summary>Removes the node's data directory (whether it runs or not).</summary>
    public static void Wipe(ChaosNode node)
    {
        if (Directory.Exists(node.Process.DataDirectory))
        {
            Directory.Delete(node.Process.DataDirectory, recursive: true);
        }
    }

    /// <summary>Stops the node for good and removes its place; it is no member any more.</summary>
    public async Task RetireAsync(ChaosNode node, CancellationToken cancellationToken)
    {
        await KillAsync(node, cancellationToken);
        node.State = NodeState.Removed;
        await Network.RemoveNodeAsync(node.Number);
        if (node.DiskMount is { } mount)
        {
            await Shell.RunAsync("umount", ["-l", mount], cancellationToken: cancellationToken);
        }
    }

    /// <summary>Polls until every member answers <c>/v1/cluster</c> and sees every member alive, learning each one's id.</summary>
    public async Task<bool> WaitUntilAllSeeAllAsync(ChaosApi api, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var members = Members;
            var names = members.Select(m => m.Name).ToHashSet(StringComparer.Ordinal);
            var all = true;
            foreach (var node in members)
            {
                if (await api.DescribeAsync(node.Endpoint, TimeSpan.FromSeconds(3), cancellationToken) is not { } description)
                {
                    all = false;
                    continue;
                }

                node.Id = description.GetProperty("node").GetProperty("id").GetString();
                var alive = description.GetProperty("members").EnumerateArray()
                    .Where(m => m.GetProperty("state").GetString() == "alive")
                    .Select(m => m.GetProperty("name").GetString())
                    .ToHashSet(StringComparer.Ordinal);
                all &= names.IsSubsetOf(alive!);
            }

            if (all)
            {
                return true;
            }

            await Task.Delay(500, cancellationToken);
        }

        return false;
    }

    /// <summary>R in effect and W, as the first member that answers reports them.</summary>
    public async Task<(int Replicas, int WriteQuorum)> QuorumAsync(ChaosApi api, CancellationToken cancellationToken)
    {
        foreach (var node in Members)
        {
            if (await api.DescribeAsync(node.Endpoint, TimeSpan.FromSeconds(5), cancellationToken) is { } description)
            {
                var self = description.GetProperty("node");
                return (self.GetProperty("configuredReplicas").GetInt32(), self.GetProperty("writeQuorum").GetInt32());
            }
        }

        throw new InvalidOperationException("No node answers /v1/cluster.");
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        foreach (var node in All)
        {
            if (node.State == NodeState.Paused)
            {
                await node.Process.SignalAsync("CONT", CancellationToken.None);
            }

            node.Process.Dispose();
        }

        foreach (var node in All.Where(n => n.DiskMount is not null))
        {
            await Shell.RunAsync("umount", ["-l", node.DiskMount!]);
        }

        await Network.DisposeAsync();
        try
        {
            Directory.Delete(WorkDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A lazily unmounted tmpfs may still be going away; the next run's stale cleanup takes the rest.
        }
    }

    private async Task<ChaosNode> PrepareAsync(int number, double clockOffset, CancellationToken cancellationToken)
    {
        var name = ChaosNode.NameOf(number);
        var place = await Network.AddNodeAsync(number, cancellationToken);
        string? mount = null;
        var dataDirectory = Path.Combine(WorkDirectory, name);
        if (UsesTmpfs)
        {
            mount = Path.Combine(WorkDirectory, $"{name}-disk");
            Directory.CreateDirectory(mount);
            await Shell.CheckAsync("mount", ["-t", "tmpfs", "-o", $"size={DiskBytes}", "tmpfs", mount], cancellationToken: cancellationToken);
            dataDirectory = Path.Combine(mount, "data");
        }

        string? clockFile = null;
        var environment = new Dictionary<string, string>(_environment, StringComparer.Ordinal)
        {
            ["PEERVAULT_ADVERTISE_ADDRESS"] = place.PeerAddress,
        };
        if (ClockLibrary is not null)
        {
            clockFile = Path.Combine(WorkDirectory, $"{name}.clock");
            NodeClock.Set(clockFile, clockOffset);
            foreach (var (variable, value) in NodeClock.Environment(ClockLibrary, clockFile))
            {
                environment[variable] = value;
            }
        }

        var process = new LocalNode(name, _assembly, WorkDirectory, place.HttpPort, place.PeerPort, environment, place.Host, place.Launcher, dataDirectory, LogDirectory);
        var node = new ChaosNode(number, place, process, mount, clockFile);
        lock (_lock)
        {
            _nodes.Add(node);
        }

        return node;
    }

    /// <summary>Reads a member's id from a <c>/v1/cluster</c> answer.</summary>
    public static string? IdOf(JsonElement description) => description.GetProperty("node").GetProperty("id").GetString();
}
