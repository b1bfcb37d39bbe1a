using System.Collections.Concurrent;
using System.Net;

namespace PeerVault.Load.Bench;

/// <summary>
/// Small objects at each concurrency: PUT new keys, then GET them (each body checked), spread
/// round-robin over every node. The DELETE phases run later (<see cref="RunDeletesAsync"/>), so
/// that the listing sees everything the PUTs stored.
/// </summary>
internal sealed class SmallObjectWorkload(BenchContext context)
{
    private readonly ConcurrentDictionary<int, string[]> _written = new();

    public async Task<IReadOnlyList<PhaseResult>> RunPutsAndGetsAsync(CancellationToken cancellationToken)
    {
        var results = new List<PhaseResult>();
        foreach (var concurrency in context.Options.Concurrency)
        {
            results.Add(await PutAsync(concurrency, cancellationToken));
            results.Add(await GetAsync(concurrency, cancellationToken));
        }

        return results;
    }

    public async Task<IReadOnlyList<PhaseResult>> RunDeletesAsync(CancellationToken cancellationToken)
    {
        var results = new List<PhaseResult>();
        foreach (var concurrency in context.Options.Concurrency)
        {
            results.Add(await DeleteAsync(concurrency, cancellationToken));
        }

        return results;
    }

    private async Task<PhaseResult> PutAsync(int concurrency, CancellationToken cancellationToken)
    {
        var cluster = context.Cluster;
        var keys = new string[context.Options.SmallCount];
        var spec = new PhaseSpec($"small put c{concurrency}", "small", concurrency, "all", keys.Length, context.Options.PhaseDuration);
        var result = await PhaseDriver.RunAsync(context, spec, async (index, bar, token) =>
        {
            var key = $"{context.RunPrefix}small/c{concurrency}/{index:D7}";
            var (status, problem) = await cluster.Api.PutAsync(Endpoint(index), key, context.Small.Body(index), context.Small.Size, token);
            if (status != HttpStatusCode.Created)
            {
                return Outcome.Failed($"{(int)status} {problem}");
            }

            keys[index] = key;
            context.LiveKeys[key] = 0;
            return new Outcome(true, context.Small.Size);
        }, cancellationToken);
        _written[concurrency] = keys;
        return result;
    }

    private Task<PhaseResult> GetAsync(int concurrency, CancellationToken cancellationToken)
    {
        var cluster = context.Cluster;
        var keys = _written[concurrency];
        var stored = Enumerable.Range(0, keys.Length).Where(i => keys[i] is not null).ToArray();
        var spec = new PhaseSpec($"small get c{concurrency}", "small", concurrency, "all", stored.Length == 0 ? 0 : context.Options.SmallCount, context.Options.PhaseDuration);
        return PhaseDriver.RunAsync(context, spec, async (index, bar, token) =>
        {
            // Reads cycle over what the PUT phase stored, each through the next node.
            var which = stored[index % stored.Length];
            var read = await cluster.Api.ReadAsync(Endpoint(index), keys[which], null, token);
            return read.Status != HttpStatusCode.OK ? Outcome.Failed($"{keys[which]}: {(int)read.Status} {read.Problem}")
                : read.Sha256 == context.Small.Sha256(which) ? new Outcome(true, read.Length, Checked: true)
                : new Outcome(false, 0, Checked: true, Mismatch: true, Problem: $"{keys[which]}: SHA-256 {read.Sha256}, expected {context.Small.Sha256(which)}");
        }, cancellationToken);
    }

    private Task<PhaseResult> DeleteAsync(int concurrency, CancellationToken cancellationToken)
    {
        var cluster = context.Cluster;
        var stored = _written.TryGetValue(concurrency, out var keys) ? keys.Where(k => k is not null).ToArray() : [];
        var spec = new PhaseSpec($"small delete c{concurrency}", "small", concurrency, "all", stored.Length, context.Options.PhaseDuration);
        return PhaseDriver.RunAsync(context, spec, async (index, bar, token) =>
        {
            var (status, problem) = await cluster.Api.DeleteAsync(Endpoint(index), stored[index], token);
            if (status != HttpStatusCode.OK)
            {
                return Outcome.Failed($"{stored[index]}: {(int)status} {problem}");
            }

            context.LiveKeys.TryRemove(stored[index], out _);
            return new Outcome(true, 0);
        }, cancellationToken);
    }

    private Uri Endpoint(long index) => context.Cluster.Endpoints[(int)(index % context.Cluster.Endpoints.Count)];
}
