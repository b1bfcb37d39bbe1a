using System.Net;

namespace PeerVault.Load.Bench;

/// <summary>
/// A mix at concurrency 32 for the phase duration: half GETs, 35 % PUTs, 15 % DELETEs over a pool
/// of keys, most objects small and one in ten of 1 MiB, through every node in turn. Each key is
/// used by one request at a time, so every answer can be checked exactly: a GET returns what the
/// last acknowledged PUT wrote, or 404 after a DELETE.
/// </summary>
internal static class MixedWorkload
{
    public const int Concurrency = 32;
    private const int KeysPerWorker = 20;
    private const int LargeBytes = 1 << 20;

    public static Task<PhaseResult> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var cluster = context.Cluster;
        var keys = Enumerable.Range(0, Concurrency * KeysPerWorker).Select(i => new MixedKey($"{context.RunPrefix}mixed/{i:D4}")).ToArray();
        var spec = new PhaseSpec("mixed c32", "mixed", Concurrency, "all", long.MaxValue, context.Options.PhaseDuration);
        return PhaseDriver.RunAsync(context, spec, async (index, bar, token) =>
        {
            var roll = Mix(index);
            var key = keys[(int)(roll % (ulong)keys.Length)];
            var node = cluster.Endpoints[(int)(index % cluster.Endpoints.Count)];
            await key.Lock.WaitAsync(token);
            try
            {
                return ((roll >> 20) % 100) switch
                {
                    < 50 => await GetAsync(context, node, key, token),
                    < 85 => await PutAsync(context, node, key, index, (roll >> 40) % 10 == 0, token),
                    _ => await DeleteAsync(context, node, key, token),
                };
            }
            finally
            {
                key.Lock.Release();
            }
        }, cancellationToken);
    }

    private static async Task<Outcome> GetAsync(BenchContext context, Uri node, MixedKey key, CancellationToken token)
    {
        var read = await context.Cluster.Api.ReadAsync(node, key.Key, null, token);
        if (key.Unknown)
        {
            return read.Status is HttpStatusCode.OK or HttpStatusCode.NotFound ? new Outcome(true, read.Length) : Outcome.Failed($"{key.Key}: {(int)read.Status} {read.Problem}");
        }

        if (read.Status == HttpStatusCode.NotFound)
        {
            return key.Sha256 is null ? new Outcome(true, 0, Checked: true) : new Outcome(false, 0, true, true, $"{key.Key}: 404, expected {key.Sha256}");
        }

        return read.Status != HttpStatusCode.OK ? Outcome.Failed($"{key.Key}: {(int)read.Status} {read.Problem}")
            : read.Sha256 == key.Sha256 ? new Outcome(true, read.Length, Checked: true)
            : new Outcome(false, 0, true, true, $"{key.Key}: SHA-256 {read.Sha256}, expected {key.Sha256 ?? "404"}");
    }

    private static async Task<Outcome> PutAsync(BenchContext context, Uri node, MixedKey key, long index, bool large, CancellationToken token)
    {
        var size = large ? LargeBytes : context.Small.Size;
        using var body = new HashingReadStream(large ? new ContentPattern((ulong)index, size).OpenRead() : context.Small.Body(index), null);
        var (status, problem) = await context.Cluster.Api.PutAsync(node, key.Key, body, size, token);
        if (status != HttpStatusCode.Created)
        {
            // Whether it was stored is unknown: the key is not checked until it is written or deleted again.
            key.Unknown = true;
            return Outcome.Failed($"{key.Key}: {(int)status} {problem}");
        }

        key.Sha256 = body.Sha256();
        key.Unknown = false;
        context.LiveKeys[key.Key] = 0;
        return new Outcome(true, size);
    }

    private static async Task<Outcome> DeleteAsync(BenchContext context, Uri node, MixedKey key, CancellationToken token)
    {
        var (status, problem) = await context.Cluster.Api.DeleteAsync(node, key.Key, token);
        if (status is not (HttpStatusCode.OK or HttpStatusCode.NotFound))
        {
            return Outcome.Failed($"{key.Key}: {(int)status} {problem}");
        }

        key.Sha256 = null;
        key.Unknown = false;
        context.LiveKeys.TryRemove(key.Key, out _);
        return new Outcome(true, 0);
    }

    private static ulong Mix(long index)
    {
        var z = ((ulong)index + 1) * 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private sealed class MixedKey(string key)
    {
        public string Key { get; } = key;

        public SemaphoreSlim Lock { get; } = new(1, 1);

        /// <summary>The SHA-256 of the last acknowledged PUT, or null when the key is deleted or never written.</summary>
        public string? Sha256 { get; set; }

        /// <summary>A write failed, so what the key holds is not known.</summary>
        public bool Unknown { get; set; }
    }
}
