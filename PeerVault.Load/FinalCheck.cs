namespace PeerVault.Load;

/// <summary>
/// After the workload: every key every client wrote, read through every node, is what the client
/// last had acknowledged (or what a later unacknowledged attempt wrote, whole), and all nodes say
/// the same; each node's listing has every live key and no deleted one; and a local cluster's
/// data directories hold no leftover of an interrupted write.
/// </summary>
internal static class FinalCheck
{
    public static async Task<VerificationFigures> RunAsync(SoakContext context, IReadOnlyList<SoakClient> clients, LocalCluster? cluster, CancellationToken cancellationToken)
    {
        var stats = context.Stats;
        var keys = clients.SelectMany(c => c.Keys).ToList();
        await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (key, token) =>
        {
            var seen = new List<string>();
            for (var endpoint = 0; endpoint < context.Endpoints.Count; endpoint++)
            {
                var node = context.Endpoints[endpoint];
                try
                {
                    var (status, sha, _, problem) = await context.Api.GetAsync(node, key.Key, token);
                    if (status is not (System.Net.HttpStatusCode.OK or System.Net.HttpStatusCode.NotFound))
                    {
                        stats.VerificationFailed("final read failed", $"GET '{key.Key}' via {node}: {(int)status} {problem}");
                        continue;
                    }

                    seen.Add(sha ?? "absent");
                    if (!key.Allows(sha))
                    {
                        stats.VerificationFailed($"final read: {(key.IsExact && key.Exact is not null && sha is null ? "lost acknowledged write" : key.IsExact && key.Exact is null ? "deleted key came back" : "wrong content")}", $"GET '{key.Key}' via {node} gave {sha ?? "404"}; expected {key}");
                    }
                }
                catch (Exception ex) when (NodeApi.IsTransportFailure(ex))
                {
                    stats.VerificationFailed("final read failed", $"GET '{key.Key}' via {node}: {ex.Message}");
                }
            }

            if (seen.Distinct(StringComparer.Ordinal).Count() > 1)
            {
                stats.VerificationFailed("nodes disagree", $"'{key.Key}' reads as {string.Join(", ", seen)} through {string.Join(", ", context.Endpoints)}");
            }
        });

        foreach (var node in context.Endpoints)
        {
            var listed = await context.Api.ListAsync(node, context.Prefix, cancellationToken);
            foreach (var key in keys.Where(k => k.IsExact))
            {
                if (key.Exact is null == listed.ContainsKey(key.Key))
                {
                    stats.VerificationFailed("listing", $"{node} {(key.Exact is null ? "lists the deleted key" : "does not list the live key")} '{key.Key}'");
                }
            }
        }

        if (cluster is not null)
        {
            await CheckLeftoversAsync(cluster, stats, cancellationToken);
        }

        return new VerificationFigures(
            keys.Count,
            keys.Count(k => k.IsExact && k.Exact is not null),
            keys.Count(k => k.IsExact && k.Exact is null),
            keys.Count(k => !k.IsExact),
            stats.TotalUnexpected);
    }

    /// <summary>Temporary files of writes (<c>tmp/</c>, <c>*.tmp</c>, <c>*.compact</c>) must be gone once nothing is in flight.</summary>
    private static async Task CheckLeftoversAsync(LocalCluster cluster, SoakStats stats, CancellationToken cancellationToken)
    {
        List<string> leftovers = [];
        for (var attempt = 0; attempt < 30; attempt++)
        {
            leftovers = [.. cluster.Nodes.SelectMany(n => Leftovers(n.DataDirectory).Select(f => $"{n.Name}: {f}"))];
            if (leftovers.Count == 0)
            {
                return;
            }

            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        }

        foreach (var file in leftovers)
        {
            stats.VerificationFailed("leftover temporary file", file);
        }
    }

    private static IEnumerable<string> Leftovers(string directory)
        => Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(directory, f))
            .Where(f => (f.StartsWith("tmp" + Path.DirectorySeparatorChar, StringComparison.Ordinal) && Path.GetFileName(f) != ".health")
                || f.EndsWith(".tmp", StringComparison.Ordinal)
                || f.EndsWith(".compact", StringComparison.Ordinal));
}
