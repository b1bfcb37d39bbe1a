using System.Net;

namespace PeerVault.Load.Bench;

/// <summary>
/// S3 against the native API on the same nodes, in the same run, each pair measured back to back:
/// a large PUT and GET (through a replica of the key) and small PUTs and GETs at each concurrency,
/// each through S3 (path style, SigV4 with an unsigned payload) and through <c>/v1/objects</c>.
/// Every body is checked by SHA-256. Each S3 phase's note gives its throughput as a ratio to the
/// native phase just before it: the S3 layer's cost (the targets: large within 10 %,
/// small within 20 %).
/// </summary>
internal static class S3Workload
{
    public const string Bucket = "bench";

    public static async Task<IReadOnlyList<PhaseResult>> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var cluster = context.Cluster;
        if (cluster.S3 is not { } s3)
        {
            context.Problem("s3: skipped, the S3 side is only measured on a local cluster the tool starts");
            return [];
        }

        var status = await s3.CreateBucketAsync(cluster.S3Endpoints[0], Bucket, cancellationToken);
        if (status is not (HttpStatusCode.OK or HttpStatusCode.Conflict))
        {
            context.Problem($"s3: CreateBucket answered {(int)status}");
            return [];
        }

        var results = new List<PhaseResult>();
        var route = await cluster.RouteAsync($"{Bucket}/{context.RunPrefix}s3-large/", cancellationToken);
        var key = route.Key[(Bucket.Length + 1)..];
        var size = context.Options.LargeBytes;

        // Untimed: the S3 code path is compiled before it is measured, as the native one was by its own phases.
        await s3.PutAsync(cluster.S3Endpoints[route.Replica], Bucket, key + ".warm-up", new ContentPattern(31, Math.Min(size, LargeObjectWorkload.WarmUpBytes)).OpenRead(), Math.Min(size, LargeObjectWorkload.WarmUpBytes), cancellationToken);
        await s3.ReadAsync(cluster.S3Endpoints[route.Replica], Bucket, key + ".warm-up", null, cancellationToken);
        context.LiveKeys[route.Key + ".warm-up"] = 0;

        var pattern = new ContentPattern(32, size);
        string expected;
        using (var hashing = new HashingReadStream(pattern.OpenRead(), _ => { }))
        {
            await hashing.CopyToAsync(Stream.Null, cancellationToken);
            expected = hashing.Sha256();
        }

        var nativePut = await LargeAsync(context, "s3 native large put", size, route.Replica, async (bar, token) =>
        {
            var (put, problem) = await cluster.Api.PutAsync(cluster.Endpoints[route.Replica], route.Key + ".native", new HashingReadStream(pattern.OpenRead(), read => bar.Advance(read)), size, token);
            return put == HttpStatusCode.Created ? new Outcome(true, size) : Outcome.Failed($"{(int)put} {problem}");
        }, cancellationToken);
        context.LiveKeys[route.Key + ".native"] = 0;
        var s3Put = await LargeAsync(context, "s3 large put", size, route.Replica, async (bar, token) =>
        {
            var (put, problem) = await s3.PutAsync(cluster.S3Endpoints[route.Replica], Bucket, key, new HashingReadStream(pattern.OpenRead(), read => bar.Advance(read)), size, token);
            return put == HttpStatusCode.OK ? new Outcome(true, size) : Outcome.Failed($"{(int)put} {problem}");
        }, cancellationToken);
        context.LiveKeys[route.Key] = 0;
        results.Add(nativePut);
        results.Add(Compared(s3Put, nativePut));

        var nativeGet = await LargeAsync(context, "s3 native large get", size, route.Replica, async (bar, token) =>
            Checked(await cluster.Api.ReadAsync(cluster.Endpoints[route.Replica], route.Key + ".native", read => bar.Advance(read), token), expected, size), cancellationToken);
        var s3Get = await LargeAsync(context, "s3 large get", size, route.Replica, async (bar, token) =>
            Checked(await s3.ReadAsync(cluster.S3Endpoints[route.Replica], Bucket, key, read => bar.Advance(read), token), expected, size), cancellationToken);
        results.Add(nativeGet);
        results.Add(Compared(s3Get, nativeGet));

        foreach (var concurrency in context.Options.Concurrency)
        {
            results.AddRange(await SmallAsync(context, s3, concurrency, cancellationToken));
        }

        return results;
    }

    private static async Task<IReadOnlyList<PhaseResult>> SmallAsync(BenchContext context, S3Api s3, int concurrency, CancellationToken cancellationToken)
    {
        var cluster = context.Cluster;
        var count = context.Options.SmallCount;
        var nativeKeys = new string?[count];
        var s3Keys = new string?[count];
        int Node(long index) => (int)(index % cluster.Endpoints.Count);

        var nativePut = await PhaseDriver.RunAsync(context, new PhaseSpec($"s3 native small put c{concurrency}", "s3", concurrency, "all", count, context.Options.PhaseDuration), async (index, _, token) =>
        {
            var key = $"{Bucket}/{context.RunPrefix}s3-small/native/c{concurrency}/{index:D7}";
            var (status, problem) = await cluster.Api.PutAsync(cluster.Endpoints[Node(index)], key, context.Small.Body(index), context.Small.Size, token);
            if (status != HttpStatusCode.Created)
            {
                return Outcome.Failed($"{(int)status} {problem}");
            }

            nativeKeys[index] = key;
            context.LiveKeys[key] = 0;
            return new Outcome(true, context.Small.Size);
        }, cancellationToken);
        var s3Put = await PhaseDriver.RunAsync(context, new PhaseSpec($"s3 small put c{concurrency}", "s3", concurrency, "all", count, context.Options.PhaseDuration), async (index, _, token) =>
        {
            var key = $"{context.RunPrefix}s3-small/s3/c{concurrency}/{index:D7}";
            var (status, problem) = await s3.PutAsync(cluster.S3Endpoints[Node(index)], Bucket, key, context.Small.Body(index), context.Small.Size, token);
            if (status != HttpStatusCode.OK)
            {
                return Outcome.Failed($"{(int)status} {problem}");
            }

            s3Keys[index] = key;
            context.LiveKeys[$"{Bucket}/{key}"] = 0;
            return new Outcome(true, context.Small.Size);
        }, cancellationToken);

        var nativeStored = Enumerable.Range(0, count).Where(i => nativeKeys[i] is not null).ToArray();
        var s3Stored = Enumerable.Range(0, count).Where(i => s3Keys[i] is not null).ToArray();
        var nativeGet = await PhaseDriver.RunAsync(context, new PhaseSpec($"s3 native small get c{concurrency}", "s3", concurrency, "all", nativeStored.Length == 0 ? 0 : count, context.Options.PhaseDuration), async (index, _, token) =>
        {
            var which = nativeStored[index % nativeStored.Length];
            return CheckedSmall(context, await cluster.Api.ReadAsync(cluster.Endpoints[Node(index + 1)], nativeKeys[which]!, null, token), which);
        }, cancellationToken);
        var s3Get = await PhaseDriver.RunAsync(context, new PhaseSpec($"s3 small get c{concurrency}", "s3", concurrency, "all", s3Stored.Length == 0 ? 0 : count, context.Options.PhaseDuration), async (index, _, token) =>
        {
            var which = s3Stored[index % s3Stored.Length];
            return CheckedSmall(context, await s3.ReadAsync(cluster.S3Endpoints[Node(index + 1)], Bucket, s3Keys[which]!, null, token), which);
        }, cancellationToken);
        return [nativePut, Compared(s3Put, nativePut), nativeGet, Compared(s3Get, nativeGet)];
    }

    private static Task<PhaseResult> LargeAsync(BenchContext context, string name, long size, int node, Func<PhaseProgress, CancellationToken, Task<Outcome>> operation, CancellationToken cancellationToken)
        => PhaseDriver.RunAsync(context, new PhaseSpec(name, "s3", 1, context.Cluster.Names[node], 1, null, size), (_, bar, token) => operation(bar, token), cancellationToken);

    private static Outcome Checked(NodeApi.ReadOutcome read, string sha, long size)
        => read.Status != HttpStatusCode.OK ? Outcome.Failed($"{(int)read.Status} {read.Problem}")
            : read.Sha256 == sha && read.Length == size ? new Outcome(true, size, Checked: true)
            : new Outcome(false, 0, Checked: true, Mismatch: true, Problem: $"{read.Length} bytes with SHA-256 {read.Sha256}, expected {size} with {sha}");

    private static Outcome CheckedSmall(BenchContext context, NodeApi.ReadOutcome read, int which)
        => read.Status != HttpStatusCode.OK ? Outcome.Failed($"{(int)read.Status} {read.Problem}")
            : read.Sha256 == context.Small.Sha256(which) ? new Outcome(true, read.Length, Checked: true)
            : new Outcome(false, 0, Checked: true, Mismatch: true, Problem: $"SHA-256 {read.Sha256}, expected {context.Small.Sha256(which)}");

    /// <summary>The S3 phase with its throughput as a ratio to the native phase measured just before it.</summary>
    private static PhaseResult Compared(PhaseResult s3, PhaseResult native)
    {
        // Same bytes per operation on both sides: a large object's MB/s, small objects' operations/s.
        var ratio = native.MegabytesPerSecond >= 1 ? s3.MegabytesPerSecond / native.MegabytesPerSecond
            : native.OpsPerSecond > 0 ? s3.OpsPerSecond / native.OpsPerSecond : 0;
        return s3 with { Note = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"S3/native {ratio:0.00}") };
    }
}
