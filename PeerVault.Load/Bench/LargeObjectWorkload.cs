using System.Net;

namespace PeerVault.Load.Bench;

/// <summary>
/// Large objects: one PUT through a replica of its key, then a GET through a replica (served
/// locally) and one through a node that is not a replica (which must fetch from a peer and stream
/// it through); and the "through a node" check, a bigger object PUT and read back through a
/// non-replica node while that node's working set is watched. Bodies are generated as they are
/// sent and hashed as they arrive. Each large phase is one operation, so the same route is first
/// walked once, untimed, with a smaller object: a node measured right after its start would spend
/// much of the phase compiling the code it runs (the JIT was a fifth of node CPU in profiles).
/// </summary>
internal static class LargeObjectWorkload
{
    /// <summary>Size of the untimed warm-up object (or the large size, when that is smaller).</summary>
    public const long WarmUpBytes = 32L << 20;

    public static async Task<IReadOnlyList<PhaseResult>> RunLargeAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var cluster = context.Cluster;
        var route = await cluster.RouteAsync($"{context.RunPrefix}large/", cancellationToken);
        var size = context.Options.LargeBytes;
        await WarmUpAsync(context, route, Math.Min(size, WarmUpBytes), cancellationToken);
        var results = new List<PhaseResult>();
        var (put, sha) = await PutAsync(context, "large put", route.Key, route.Replica, size, seed: 11, cancellationToken);
        results.Add(put);
        if (sha is null)
        {
            return results;
        }

        results.Add(await GetAsync(context, "large get local", route.Key, route.Replica, size, sha, cancellationToken));
        if (route.NonReplica is { } outsider)
        {
            results.Add(await GetAsync(context, "large get peer", route.Key, outsider, size, sha, cancellationToken));
        }
        else
        {
            context.Problem($"large get peer: skipped, every node is a replica of every key (R={cluster.Replicas}, {cluster.Endpoints.Count} nodes)");
        }

        return results;
    }

    /// <summary>PUT and GET of <see cref="BenchOptions.ThroughBytes"/> through a node that holds no replica of the key.</summary>
    public static async Task<IReadOnlyList<PhaseResult>> RunThroughAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var route = await context.Cluster.RouteAsync($"{context.RunPrefix}through/", cancellationToken);
        var node = route.NonReplica ?? route.Replica;
        var size = context.Options.ThroughBytes;
        var (put, sha) = await PutAsync(context, "through put", route.Key, node, size, seed: 12, cancellationToken);
        var results = new List<PhaseResult> { put };
        if (sha is not null)
        {
            results.Add(await GetAsync(context, "through get", route.Key, node, size, sha, cancellationToken));
        }

        var note = route.NonReplica is null ? "every node is a replica: measured through a replica" : "through a node that holds no replica";
        return [.. results.Select(r => r with { Note = note })];
    }

    /// <summary>
    /// PUT through the route's replica, GET there and through its non-replica, under a key placed on
    /// the same nodes (so every node warms up the part it plays): untimed, results dropped.
    /// </summary>
    private static async Task WarmUpAsync(BenchContext context, KeyRoute route, long size, CancellationToken cancellationToken)
    {
        var cluster = context.Cluster;
        var key = $"{route.Key}.warm-up";
        for (var attempt = 0; attempt < 64; attempt++)
        {
            var candidate = $"{route.Key}.warm-up{attempt}";
            var placement = await cluster.Api.PlacementAsync(cluster.Endpoints[0], candidate, cancellationToken);
            if (placement.Order(StringComparer.Ordinal).SequenceEqual(route.Placement.Order(StringComparer.Ordinal)))
            {
                key = candidate;
                break;
            }
        }

        var (status, _) = await cluster.Api.PutAsync(cluster.Endpoints[route.Replica], key, new ContentPattern(10, size), cancellationToken);
        if (status != HttpStatusCode.Created)
        {
            return;
        }

        context.LiveKeys[key] = 0;
        await cluster.Api.ReadAsync(cluster.Endpoints[route.Replica], key, null, cancellationToken);
        if (route.NonReplica is { } outsider)
        {
            await cluster.Api.ReadAsync(cluster.Endpoints[outsider], key, null, cancellationToken);
        }
    }

    private static async Task<(PhaseResult Result, string? Sha256)> PutAsync(BenchContext context, string name, string key, int node, long size, ulong seed, CancellationToken cancellationToken)
    {
        var cluster = context.Cluster;
        string? sha = null;
        var spec = new PhaseSpec(name, "large", 1, cluster.Names[node], 1, null, size);
        var result = await PhaseDriver.RunAsync(context, spec, async (_, bar, token) =>
        {
            using var body = new HashingReadStream(new ContentPattern(seed, size).OpenRead(), read => bar.Advance(read));
            var (status, problem) = await cluster.Api.PutAsync(cluster.Endpoints[node], key, body, size, token);
            if (status != HttpStatusCode.Created)
            {
                return Outcome.Failed($"{(int)status} {problem}");
            }

            sha = body.Sha256();
            context.LiveKeys[key] = 0;
            return new Outcome(true, size);
        }, cancellationToken);
        return (result, sha);
    }

    private static async Task<PhaseResult> GetAsync(BenchContext context, string name, string key, int node, long size, string sha, CancellationToken cancellationToken)
    {
        var cluster = context.Cluster;
        string? servedBy = null;
        var spec = new PhaseSpec(name, "large", 1, cluster.Names[node], 1, null, size);
        var result = await PhaseDriver.RunAsync(context, spec, async (_, bar, token) =>
        {
            var read = await cluster.Api.ReadAsync(cluster.Endpoints[node], key, n => bar.Advance(n), token);
            servedBy = read.ServedBy;
            return read.Status != HttpStatusCode.OK ? Outcome.Failed($"{(int)read.Status} {read.Problem}")
                : read.Sha256 == sha && read.Length == size ? new Outcome(true, size, Checked: true)
                : new Outcome(false, 0, Checked: true, Mismatch: true, Problem: $"{key}: {read.Length} bytes with SHA-256 {read.Sha256}, expected {size} with {sha}");
        }, cancellationToken);
        return result with { Note = $"served by {servedBy ?? "?"}" };
    }
}
