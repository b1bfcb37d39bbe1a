namespace PeerVault.Load.Chaos;

/// <summary>What every client shares: the cluster to pick nodes from, the API, the history, the keys.</summary>
internal sealed class Workload(ChaosCluster cluster, ChaosApi api, HistoryLog log, string runId, string prefix, IReadOnlyList<string> smallKeys, IReadOnlyList<string> largeKeys, TimeSpan timeout, int largeMiB)
{
    public ChaosCluster Cluster { get; } = cluster;

    public HistoryLog Log { get; } = log;

    public string RunId { get; } = runId;

    public string Prefix { get; } = prefix;

    public IReadOnlyList<string> SmallKeys { get; } = smallKeys;

    public IReadOnlyList<string> LargeKeys { get; } = largeKeys;

    public TimeSpan Timeout { get; } = timeout;

    public TimeSpan LargeTimeout => Timeout * 6;

    public int LargeMiB { get; } = largeMiB;

    /// <summary>Every key of the run, small and large.</summary>
    public IReadOnlyList<string> Keys => [.. SmallKeys, .. LargeKeys];

    /// <summary>The nodes a client may send a request through: every member not being removed (down or paused ones too: clients cannot know).</summary>
    public IReadOnlyList<ChaosNode> Targets => [.. Cluster.Members.Where(n => !n.Leaving)];

    public bool IsLarge(string key) => LargeKeys.Contains(key);

    public Task<Operation> PutAsync(string client, ChaosNode node, string key, WriteValue value, CancellationToken abort)
        => RecordAsync(client, OpKind.Put, key, node, value, () => api.PutAsync(node.Endpoint, key, value, IsLarge(key) ? LargeTimeout : Timeout, abort));

    public Task<Operation> GetAsync(string client, ChaosNode node, string key, CancellationToken abort)
        => RecordAsync(client, OpKind.Get, key, node, null, () => api.GetAsync(node.Endpoint, key, IsLarge(key) ? LargeTimeout : Timeout, abort));

    public Task<Operation> DeleteAsync(string client, ChaosNode node, string key, CancellationToken abort)
        => RecordAsync(client, OpKind.Delete, key, node, null, () => api.DeleteAsync(node.Endpoint, key, Timeout, abort));

    public Task<Operation> ListAsync(string client, ChaosNode node, CancellationToken abort)
        => RecordAsync(client, OpKind.List, null, node, null, () => api.ListAsync(node.Endpoint, Prefix, Timeout, abort));

    private async Task<Operation> RecordAsync(string client, OpKind kind, string? key, ChaosNode node, WriteValue? value, Func<Task<OpResult>> request)
    {
        var operation = Log.Invoke(client, kind, key, node.Name, value?.Id, value?.Length);
        var result = await request();
        Log.Complete(operation, result);
        return operation;
    }
}

/// <summary>
/// One client: operations one after another through random nodes on the shared keys (so writes
/// collide), each PUT with a value of its own. Its choices come from its own <see cref="Random"/>,
/// seeded from the run's seed. The large-object client writes and reads 2 MiB to the largest size
/// on keys of its own, which every listing covers.
/// </summary>
internal sealed class ChaosClient(string name, Random random, Workload workload, bool large)
{
    private long _sequence;

    public string Name { get; } = name;

    /// <summary>Until <paramref name="stop"/>; an operation under way when it fires finishes (within its deadline) unless <paramref name="abort"/> fires.</summary>
    public async Task RunAsync(CancellationToken stop, CancellationToken abort)
    {
        while (!stop.IsCancellationRequested && !abort.IsCancellationRequested)
        {
            await OneAsync(abort);
            try
            {
                await Task.Delay(large ? random.Next(500, 2000) : random.Next(0, 20), stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private Task<Operation> OneAsync(CancellationToken abort)
    {
        var targets = workload.Targets;
        var node = targets[random.Next(targets.Count)];
        var keys = large ? workload.LargeKeys : workload.SmallKeys;
        var key = keys[random.Next(keys.Count)];
        var draw = random.NextDouble();
        if (large)
        {
            return draw switch
            {
                < 0.45 => workload.PutAsync(Name, node, key, Value(key, (long)random.Next(2 << 20, (workload.LargeMiB << 20) + 1)), abort),
                < 0.9 => workload.GetAsync(Name, node, key, abort),
                _ => workload.DeleteAsync(Name, node, key, abort),
            };
        }

        return draw switch
        {
            < 0.40 => workload.PutAsync(Name, node, key, Value(key, SmallLength()), abort),
            < 0.75 => workload.GetAsync(Name, node, key, abort),
            < 0.90 => workload.DeleteAsync(Name, node, key, abort),
            _ => workload.ListAsync(Name, node, abort),
        };
    }

    public WriteValue Value(string key, long length) => new(workload.RunId, key, $"{Name}.{++_sequence}", length);

    private long SmallLength() => random.NextDouble() switch
    {
        < 0.70 => random.Next(0, 256),
        < 0.95 => random.Next(256, 4096),
        _ => random.Next(4096, 65536),
    };
}
