using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using OpenTelemetry;

namespace PeerVault.DemoClient;

/// <summary>
/// Stores the demo files through the target node, reads each one back through every node and
/// compares bytes. Every store and fetch is a span of the demo's own (the root of its trace), so
/// each shows up as one trace from the demo through the nodes it touched. Progress goes to the log
/// (the dashboard's structured logs); the result table goes to standard output and to the log.
/// </summary>
public sealed partial class DemoRunner(IHttpClientFactory httpClients, DemoOptions options, TextWriter output, ILogger<DemoRunner> logger)
{
    public const string SourceName = "PeerVault.DemoClient";

    private static readonly ActivitySource Source = new(SourceName);

    /// <summary>Runs the demo; returns the process exit code (0 only if every file round-trips).</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var files = DemoFile.Set(options.SmallFiles, options.LargeFileBytes);
        var holders = files.ToDictionary(f => f.Key, _ => new SortedSet<string>(StringComparer.Ordinal));
        var failures = new List<string>();
        var stopwatch = Stopwatch.StartNew();
        LogStarting(files.Count, options.Target, string.Join(", ", options.Nodes));

        if (await UnreachableNodesAsync(cancellationToken) is { Count: > 0 } unreachable)
        {
            foreach (var problem in unreachable)
            {
                await output.WriteLineAsync($"FAIL {problem}");
            }

            await output.WriteLineAsync(options.NoNodesConfigured
                ? "Nothing stored; exit code 1."
                : $"Nothing stored: {unreachable.Count} node(s) unreachable after {options.ReachDeadline.TotalSeconds:0} s; exit code 1.");
            LogFailed(unreachable.Count, stopwatch.Elapsed.TotalSeconds);
            return 1;
        }

        if (!options.FetchOnly)
        {
            var step = 0;
            foreach (var file in files)
            {
                LogStoring(++step, files.Count, file.Key, file.Content.Length, options.Target);
                var stored = await StoreAsync(file, cancellationToken);
                if (stored.Error is not null)
                {
                    failures.Add($"{file.Key}: store through {options.Target} failed: {stored.Error}");
                }

                holders[file.Key].UnionWith(stored.Replicas);
            }
        }

        var fetched = files.ToDictionary(f => f.Key, _ => new List<string>());
        var total = files.Count * options.Nodes.Count;
        var done = 0;
        foreach (var file in files)
        {
            foreach (var node in options.Nodes)
            {
                LogFetching(++done, total, file.Key, node);
                var result = await FetchAsync(file, node, cancellationToken);
                if (result.Error is not null)
                {
                    failures.Add($"{file.Key}: fetch through {node} failed: {result.Error}");
                    fetched[file.Key].Add($"{node} FAILED");
                    continue;
                }

                fetched[file.Key].Add($"{node} ok");
                if (result.ServedLocally)
                {
                    holders[file.Key].Add(node);
                }
            }
        }

        await output.WriteLineAsync($"PeerVault demo: {files.Count} files stored through {options.Target}, read back through {string.Join(", ", options.Nodes)}");
        foreach (var file in files)
        {
            var content = file.IsSmall ? $" \"{Encoding.UTF8.GetString(file.Content)}\"" : string.Empty;
            var failed = failures.Any(f => f.StartsWith(file.Key + ":", StringComparison.Ordinal));
            await output.WriteLineAsync($"{(failed ? "FAIL" : "ok  ")} {file.Key,-18} {Size(file.Content.Length),9}  held by {string.Join(",", holders[file.Key])}  fetched via {string.Join(", ", fetched[file.Key])}{content}");
            LogFileResult(file.Key, failed ? "FAIL" : "ok", file.Content.Length, string.Join(",", holders[file.Key]), string.Join(", ", fetched[file.Key]));
        }

        if (failures.Count > 0)
        {
            foreach (var failure in failures)
            {
                await output.WriteLineAsync($"FAILED {failure}");
            }

            await output.WriteLineAsync($"{failures.Count} problem(s) in {stopwatch.Elapsed.TotalSeconds:0.0} s; exit code 1.");
            LogFailed(failures.Count, stopwatch.Elapsed.TotalSeconds);
            return 1;
        }

        await output.WriteLineAsync($"All {files.Count} files round-tripped through {options.Nodes.Count} node(s) in {stopwatch.Elapsed.TotalSeconds:0.0} s.");
        LogSucceeded(files.Count, options.Nodes.Count, stopwatch.Elapsed.TotalSeconds);
        return 0;
    }

    /// <summary>
    /// Asks every node for <c>/alive</c> until each answers or the deadline passes, so a demo with
    /// no cluster says so in one line per node instead of failing every file through retries.
    /// </summary>
    private async Task<List<string>> UnreachableNodesAsync(CancellationToken cancellationToken)
    {
        if (options.NoNodesConfigured)
        {
            return [$"no node configured: run the demo through the AppHost (dotnet run --project PeerVault.AppHost), or set services__node1__http__0=http://host:port for each node (README)"];
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.ReachDeadline);
        var problems = await Task.WhenAll(options.Nodes.Select(node => ReachAsync(node, deadline.Token)));
        cancellationToken.ThrowIfCancellationRequested();
        return [.. problems.OfType<string>()];
    }

    private async Task<string?> ReachAsync(string node, CancellationToken deadline)
    {
        var last = $"no answer within {options.ReachDeadline.TotalSeconds:0} s";
        while (true)
        {
            try
            {
                // A reachability probe, not an operation: it starts no trace (the Traces page is for what the demo does).
                using var untraced = SuppressInstrumentationScope.Begin();
                using var response = await Client(node).GetAsync("/alive", deadline);
                return null;
            }
            catch (Exception ex) when (IsTransportFailure(ex) && !deadline.IsCancellationRequested)
            {
                last = Innermost(ex);
            }
            catch (Exception ex) when (IsTransportFailure(ex) || ex is OperationCanceledException)
            {
                return $"{node} unreachable: {(ex is OperationCanceledException ? last : Innermost(ex))}";
            }

            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500), deadline);
            }
            catch (OperationCanceledException)
            {
                return $"{node} unreachable: {last}";
            }
        }
    }

    private static bool IsTransportFailure(Exception ex) =>
        ex is HttpRequestException or IOException or TimeoutException or Polly.ExecutionRejectedException
        || (ex is TaskCanceledException && ex.InnerException is TimeoutException);

    /// <summary>The root cause's message ("Connection refused (localhost:5001)"), not the wrappers'.</summary>
    private static string Innermost(Exception ex)
    {
        var message = ex.Message;
        for (var inner = ex; inner is not null; inner = inner.InnerException)
        {
            if (inner is HttpRequestException or System.Net.Sockets.SocketException)
            {
                message = inner.Message;
                break;
            }
        }

        return message;
    }

    private async Task<(IReadOnlyList<string> Replicas, string? Error)> StoreAsync(DemoFile file, CancellationToken cancellationToken)
    {
        using var activity = Source.StartActivity("StoreFile", ActivityKind.Client);
        activity?.SetTag("peervault.key", file.Key);
        activity?.SetTag("peervault.bytes", file.Content.Length);
        activity?.SetTag("peervault.node", options.Target);
        try
        {
            var http = Client(options.Target);
            using var response = await http.PutAsync(ObjectPath(file.Key), new ByteArrayContent(file.Content), cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                var problem = await response.Content.ReadAsStringAsync(cancellationToken);
                return Fail(activity, $"{(int)response.StatusCode} {response.ReasonPhrase}: {problem}");
            }

            var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
            activity?.SetTag("peervault.object_id", body.GetProperty("objectId").GetString());
            return ([.. body.GetProperty("replicas").EnumerateArray().Select(r => r.GetString()!)], null);
        }
        catch (Exception ex) when (IsTransportFailure(ex) || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return Fail(activity, Innermost(ex));
        }
    }

    private async Task<(bool ServedLocally, string? Error)> FetchAsync(DemoFile file, string node, CancellationToken cancellationToken)
    {
        using var activity = Source.StartActivity("FetchFile", ActivityKind.Client);
        activity?.SetTag("peervault.key", file.Key);
        activity?.SetTag("peervault.node", node);
        try
        {
            using var response = await Client(node).GetAsync(ObjectPath(file.Key), HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                var problem = await response.Content.ReadAsStringAsync(cancellationToken);
                return (false, Fail(activity, $"{(int)response.StatusCode} {response.ReasonPhrase}: {problem}").Error);
            }

            var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            activity?.SetTag("peervault.bytes", bytes.Length);
            if (!bytes.AsSpan().SequenceEqual(file.Content))
            {
                return (false, Fail(activity, $"content differs ({bytes.Length} bytes received, {file.Content.Length} expected)").Error);
            }

            var servedBy = response.Headers.TryGetValues("X-PeerVault-Served-By", out var values) ? values.FirstOrDefault() : null;
            return (servedBy == "local", null);
        }
        catch (Exception ex) when (IsTransportFailure(ex) || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return (false, Fail(activity, Innermost(ex)).Error);
        }
    }

    private (IReadOnlyList<string> Replicas, string? Error) Fail(Activity? activity, string error)
    {
        activity?.SetStatus(ActivityStatusCode.Error, error);
        LogFailure(activity?.GetTagItem("peervault.key") as string, error);
        return ([], error);
    }

    private HttpClient Client(string node)
    {
        var http = httpClients.CreateClient("peervault");
        http.BaseAddress = new Uri($"https+http://{node}");
        return http;
    }

    private static string ObjectPath(string key) => $"/v1/objects/{Uri.EscapeDataString(key)}";

    private static string Size(long bytes) => bytes >= 1 << 20 ? $"{bytes / (double)(1 << 20):0.0} MiB" : $"{bytes} B";

    [LoggerMessage(Level = LogLevel.Warning, Message = "Demo operation on {Key} failed: {Error}")]
    private partial void LogFailure(string? key, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo: {Files} files through {Target}, read back through {Nodes}")]
    private partial void LogStarting(int files, string target, string nodes);

    [LoggerMessage(Level = LogLevel.Information, Message = "[{Step}/{Total}] storing {Key} ({Bytes} bytes) through {Node}")]
    private partial void LogStoring(int step, int total, string key, int bytes, string node);

    [LoggerMessage(Level = LogLevel.Information, Message = "[{Step}/{Total}] fetching {Key} through {Node}")]
    private partial void LogFetching(int step, int total, string key, string node);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Outcome} {Key} ({Bytes} bytes) held by {Holders}, fetched via {Fetched}")]
    private partial void LogFileResult(string key, string outcome, int bytes, string holders, string fetched);

    [LoggerMessage(Level = LogLevel.Information, Message = "All {Files} files round-tripped through {Nodes} node(s) in {Seconds:0.0} s")]
    private partial void LogSucceeded(int files, int nodes, double seconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "Demo failed: {Problems} problem(s) in {Seconds:0.0} s")]
    private partial void LogFailed(int problems, double seconds);
}
