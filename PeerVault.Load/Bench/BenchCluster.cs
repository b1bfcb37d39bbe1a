namespace PeerVault.Load.Bench;

/// <summary>
/// The nodes under measurement: their API URLs, names (as placement reports them), processes (to
/// watch), R and W, and, when the tool started them, the local cluster it owns.
/// </summary>
internal sealed class BenchCluster : IDisposable
{
    private BenchCluster(LocalCluster? local, NodeApi api, IReadOnlyList<Uri> endpoints, IReadOnlyList<string> names, IReadOnlyList<int?> pids, int replicas, int writeQuorum)
    {
        Local = local;
        Api = api;
        Endpoints = endpoints;
        Names = names;
        Pids = pids;
        Replicas = replicas;
        WriteQuorum = writeQuorum;
    }

    public LocalCluster? Local { get; }

    public NodeApi Api { get; }

    public IReadOnlyList<Uri> Endpoints { get; }

    /// <summary>Each endpoint's node name, in endpoint order.</summary>
    public IReadOnlyList<string> Names { get; }

    public IReadOnlyList<int?> Pids { get; }

    public int Replicas { get; }

    public int WriteQuorum { get; }

    /// <summary>The S3 side of the same nodes (a local cluster's; null for nodes given by endpoint).</summary>
    public S3Api? S3 { get; private init; }

    /// <summary>Each node's S3 endpoint, in endpoint order (empty without <see cref="S3"/>).</summary>
    public IReadOnlyList<Uri> S3Endpoints { get; private init; } = [];

    /// <summary>Starts a local cluster (or connects to the endpoints), waits until every node sees every other, and learns names, R and W.</summary>
    public static async Task<BenchCluster> OpenAsync(BenchOptions options, string workDirectory, CancellationToken cancellationToken)
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["PEERVAULT_REPLICAS"] = "3",
            ["PEERVAULT_WRITE_QUORUM"] = "2",
        };
        foreach (var (variable, value) in options.NodeEnvironment)
        {
            settings[variable] = value;
        }

        var local = options.Local ? LocalCluster.Start(workDirectory, settings, options.Nodes) : null;
        var api = new NodeApi(local?.ApiKey ?? options.ApiKey!, Timeout.InfiniteTimeSpan);
        try
        {
            var endpoints = local?.Nodes.Select(n => n.Endpoint).ToList() ?? [.. options.Endpoints];
            if (!await api.WaitUntilAllSeeAllAsync(endpoints, TimeSpan.FromSeconds(90), cancellationToken))
            {
                throw new BenchFailedException($"the nodes did not all come up and see each other within 90 s{(local is null ? string.Empty : $"; logs in {workDirectory}")}");
            }

            var names = new List<string>();
            int replicas = 0, writeQuorum = 0;
            foreach (var endpoint in endpoints)
            {
                var node = (await api.DescribeAsync(endpoint, cancellationToken))!.Node;
                names.Add(node.Name);
                replicas = node.Replicas;
                writeQuorum = node.WriteQuorum;
            }

            IReadOnlyList<int?> pids = local is not null
                ? [.. local.Nodes.Select(n => n.Pid)]
                : [.. endpoints.Select((_, i) => i < options.Pids.Count ? options.Pids[i] : (int?)null)];
            return new BenchCluster(local, api, endpoints, names, pids, replicas, writeQuorum)
            {
                S3 = local is null ? null : new S3Api(local.S3.AccessKey, local.S3.SecretKey),
                S3Endpoints = local is null ? [] : [.. local.Nodes.Select(n => n.S3Endpoint!)],
            };
        }
        catch
        {
            api.Dispose();
            local?.Dispose();
            throw;
        }
    }

    /// <summary>(name, pid) of every node, for <see cref="NodeMeter"/>.</summary>
    public IEnumerable<(string Node, int? Pid)> Processes => Names.Select((name, i) => (name, Pids[i]));

    /// <summary>
    /// A key under <paramref name="prefix"/> with, where the cluster has more nodes than R, an
    /// endpoint that is not one of its replicas (a GET through it must fetch from a peer): keys are
    /// tried until placement names one.
    /// </summary>
    public async Task<KeyRoute> RouteAsync(string prefix, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var key = $"{prefix}{attempt}";
            var placement = await Api.PlacementAsync(Endpoints[0], key, cancellationToken);
            var replica = Enumerable.Range(0, Endpoints.Count).FirstOrDefault(i => placement.Contains(Names[i]), -1);
            var outsider = Enumerable.Range(0, Endpoints.Count).FirstOrDefault(i => !placement.Contains(Names[i]), -1);
            if ((replica >= 0 && outsider >= 0) || attempt >= 32)
            {
                return new KeyRoute(key, Math.Max(replica, 0), outsider >= 0 ? outsider : null, placement);
            }
        }
    }

    public void Dispose()
    {
        S3?.Dispose();
        Api.Dispose();
        Local?.Dispose();
    }
}

/// <summary>A key, the endpoint index of one of its replicas and, if there is one, of a node that is not.</summary>
internal sealed record KeyRoute(string Key, int Replica, int? NonReplica, IReadOnlyList<string> Placement);

/// <summary>The run cannot go on (the cluster did not come up); the message says why.</summary>
internal sealed class BenchFailedException(string message) : Exception(message);
