using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using PeerVault.Load;
using PeerVault.Node.Storage;

namespace PeerVault.Benchmarks.Scale;

/// <summary>
/// Issue 11's "a million objects per node": fills one node's index, then measures what an operator
/// would notice at that size — how long the node takes to come back, how much memory it holds, how
/// fast every key can be listed — in-process (the index alone) and through a real node process.
/// </summary>
internal static class ScaleRunner
{
    private const int PageSize = 10_000;

    public static async Task<int> RunAsync(ScaleOptions options)
    {
        var dataDirectory = Path.Combine(options.Directory, "node1");
        Directory.CreateDirectory(dataDirectory);
        var indexPath = Path.Combine(dataDirectory, KeyIndex.FileName);
        var results = new Dictionary<string, object>(StringComparer.Ordinal) { ["objects"] = options.Objects, ["date"] = DateTimeOffset.UtcNow };
        try
        {
            if (options.Reuse && File.Exists(indexPath))
            {
                Console.WriteLine($"Reusing the key index at {indexPath}");
            }
            else
            {
                Console.WriteLine($"Filling the key index with {options.Objects:N0} entries ({indexPath})");
                var fillRate = await IndexFiller.FillAsync(indexPath, options.Objects, done =>
                {
                    if (done % 100_000 < 8_192 || done == options.Objects)
                    {
                        Console.WriteLine($"  {done,12:N0}");
                    }
                });
                results["fillEntriesPerSecond"] = Math.Round(fillRate);
            }

            results["indexBytes"] = Directory.GetFiles(dataDirectory, KeyIndex.FileName + "*").Sum(f => new FileInfo(f).Length);

            var (openMs, inProcessRate) = MeasureInProcess(indexPath, options.Objects);
            results["inProcessOpenMs"] = openMs;
            results["inProcessListKeysPerSecond"] = Math.Round(inProcessRate);

            var settings = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["PEERVAULT_REPLICAS"] = "1",
                ["PEERVAULT_WRITE_QUORUM"] = "1",

                // The entries have no blobs: a scrub pass would only report them missing.
                ["PEERVAULT_SCRUB_INTERVAL_SECONDS"] = "86400",
            };
            using var cluster = LocalCluster.Start(options.Directory, settings, count: 1);
            var node = cluster.Nodes[0];
            using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", cluster.ApiKey);

            var started = Stopwatch.GetTimestamp();
            await WaitHealthyAsync(http, node.Endpoint);
            results["coldStartToHealthyMs"] = Math.Round(Stopwatch.GetElapsedTime(started).TotalMilliseconds);

            await Task.Delay(TimeSpan.FromSeconds(3));
            results["idleWorkingSetMB"] = WorkingSetMegabytes(node.Pid);

            var nodeCpu = CpuSeconds(node.Pid);
            var clientCpu = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
            var (listed, rate, peak) = await ListEverythingAsync(http, node);
            nodeCpu = CpuSeconds(node.Pid) - nodeCpu;
            clientCpu = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds - clientCpu;
            results["httpListedKeys"] = listed;
            results["httpListKeysPerSecond"] = Math.Round(rate);

            // CPU seconds the node (and this client, parsing the pages) spent on the listing: on a
            // machine shared with other work the rate above is noisy, what the listing costs is not.
            results["httpListNodeCpuSeconds"] = Math.Round(nodeCpu, 2);
            results["httpListKeysPerNodeCpuSecond"] = nodeCpu > 0 ? Math.Round(listed / nodeCpu) : 0;
            results["httpListClientCpuSeconds"] = Math.Round(clientCpu, 2);
            results["peakWorkingSetWhileListingMB"] = peak;

            await node.StopAsync(RestartMode.Kill, CancellationToken.None);
            started = Stopwatch.GetTimestamp();
            node.Start();
            await WaitHealthyAsync(http, node.Endpoint);
            results["restartAfterKillToHealthyMs"] = Math.Round(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            await Task.Delay(TimeSpan.FromSeconds(3));
            results["workingSetAfterRestartMB"] = WorkingSetMegabytes(node.Pid);

            Print(results);
            await File.WriteAllTextAsync(options.ResultPath, JsonSerializer.Serialize(results, ScaleJson.Options));
            Console.WriteLine($"Results written to {options.ResultPath}");
            return listed == options.Objects ? 0 : 1;
        }
        finally
        {
            if (!options.Keep)
            {
                Directory.Delete(options.Directory, recursive: true);
            }
        }
    }

    private static (double OpenMs, double KeysPerSecond) MeasureInProcess(string indexPath, int objects)
    {
        var opening = Stopwatch.GetTimestamp();
        using var index = new KeyIndex(indexPath, NullLogger.Instance);
        var openMs = Stopwatch.GetElapsedTime(opening).TotalMilliseconds;
        if (index.Count != objects)
        {
            throw new InvalidOperationException($"The index holds {index.Count} live keys, not {objects}.");
        }

        var listing = Stopwatch.GetTimestamp();
        var listed = 0;
        string? after = null;
        while (index.Page(null, after, PageSize) is { Count: > 0 } page)
        {
            listed += page.Count;
            after = page[^1].Key;
        }

        return (Math.Round(openMs, 1), listed / Stopwatch.GetElapsedTime(listing).TotalSeconds);
    }

    private static async Task<(int Listed, double KeysPerSecond, double PeakMB)> ListEverythingAsync(HttpClient http, LocalNode node)
    {
        var peak = 0.0;
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                peak = Math.Max(peak, WorkingSetMegabytes(node.Pid));
                await Task.Delay(100, CancellationToken.None);
            }
        });

        var started = Stopwatch.GetTimestamp();
        var listed = 0;
        string? after = null;
        do
        {
            var query = $"/v1/objects?limit={PageSize}" + (after is null ? string.Empty : $"&after={Uri.EscapeDataString(after)}");
            using var response = await http.GetAsync(new Uri(node.Endpoint, query), HttpCompletionOption.ResponseHeadersRead);
            response.EnsureSuccessStatusCode();
            using var page = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync());
            listed += page.RootElement.GetProperty("objects").GetArrayLength();
            after = page.RootElement.TryGetProperty("next", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
        }
        while (after is not null);
        var rate = listed / Stopwatch.GetElapsedTime(started).TotalSeconds;
        await stop.CancelAsync();
        await sampler;
        return (listed, rate, Math.Round(Math.Max(peak, WorkingSetMegabytes(node.Pid)), 1));
    }

    private static async Task WaitHealthyAsync(HttpClient http, Uri endpoint)
    {
        var deadline = Stopwatch.GetTimestamp() + (60 * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            try
            {
                using var response = await http.GetAsync(new Uri(endpoint, "/health"));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(25);
        }

        throw new TimeoutException($"{endpoint} was not healthy within 60 s.");
    }

    /// <summary>User and system CPU time of a process so far, from <c>/proc/PID/stat</c> (in 1/100 s ticks, as Linux reports them).</summary>
    private static double CpuSeconds(int? pid)
    {
        if (pid is not { } id || !File.Exists($"/proc/{id}/stat"))
        {
            return 0;
        }

        // The command name (field 2) may hold spaces; the fields after its closing parenthesis do not.
        var stat = File.ReadAllText($"/proc/{id}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    /// <summary>The process's resident set (VmRSS) in MB, 0 when it is not running.</summary>
    private static double WorkingSetMegabytes(int? pid)
        => pid is { } id && ResourceSampler.Read(0, "node1", id) is { } sample ? Math.Round(sample.RssKiB / 1024.0, 1) : 0;

    private static void Print(Dictionary<string, object> results)
    {
        Console.WriteLine();
        foreach (var (name, value) in results)
        {
            Console.WriteLine($"  {name,-34} {Convert.ToString(value, CultureInfo.InvariantCulture)}");
        }
    }
}

/// <summary>Indented camelCase JSON for the result file.</summary>
internal static class ScaleJson
{
    public static JsonSerializerOptions Options { get; } = new() { WriteIndented = true };
}
