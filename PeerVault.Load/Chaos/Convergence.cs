using System.Globalization;

namespace PeerVault.Load.Chaos;

/// <summary>
/// Promise 5: after the last fault healed, every node answers the same for every key and lists the
/// same. Polled (HEAD of every key and a listing through every member, once a second, not
/// recorded) until they agree or the deadline passes; then one final round is recorded, a GET of
/// every key and a listing through every member, which the checker reads.
/// </summary>
internal static class Convergence
{
    /// <summary>When every member first agreed (ms since the run began), or null if they did not by the deadline.</summary>
    public static async Task<double?> WaitAsync(Workload workload, ChaosApi api, double deadlineMs, CancellationToken cancellationToken)
    {
        var log = workload.Log;
        while (true)
        {
            var members = workload.Targets;
            var views = await Task.WhenAll(members.Select(async node =>
            {
                var keys = new List<string>();
                foreach (var key in workload.Keys)
                {
                    keys.Add(await api.HeadAsync(node.Endpoint, key, workload.Timeout, cancellationToken));
                }

                var listing = await api.ListAsync(node.Endpoint, workload.Prefix, workload.Timeout, cancellationToken);
                keys.Add(listing.Entries is { } entries ? string.Join(',', entries.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => $"{e.Key}={e.Value}")) : "no listing");
                return string.Join('\n', keys);
            }));
            if (views.Distinct(StringComparer.Ordinal).Count() == 1 && !views[0].Contains("no answer", StringComparison.Ordinal) && !views[0].Contains("no listing", StringComparison.Ordinal))
            {
                return log.NowMs;
            }

            if (log.NowMs >= deadlineMs)
            {
                return null;
            }

            await Task.Delay(1000, cancellationToken);
        }
    }

    /// <summary>The recorded final round: a GET of every key and a listing, through every member.</summary>
    public static async Task FinalRoundAsync(Workload workload, CancellationToken cancellationToken)
    {
        await Task.WhenAll(workload.Targets.Select(async node =>
        {
            foreach (var key in workload.Keys)
            {
                await workload.GetAsync(ChaosHistory.FinalClient, node, key, cancellationToken);
            }

            await workload.ListAsync(ChaosHistory.FinalClient, node, cancellationToken);
        }));
    }

    public static string Describe(double? agreedMs, double lastHealMs)
        => agreedMs is { } at
            ? string.Create(CultureInfo.InvariantCulture, $"every node agreed {Math.Max(0, at - lastHealMs) / 1000:0.0} s after the last fault healed")
            : "the nodes did not all agree within the deadline";
}
