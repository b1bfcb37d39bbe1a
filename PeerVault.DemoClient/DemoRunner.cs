using System.Buffers;
using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using PeerVault.Client;

namespace PeerVault.DemoClient;

/// <summary>
/// Stores the demo files through the target node, reads each one back through every node and
/// compares bytes, all through PeerVault.Client. Every store and fetch is a span of the demo's own
/// (the root of its trace) around the client's, so each shows up as one trace from the demo
/// through the nodes it touched. Progress goes to the log (the dashboard's structured logs); the
/// result table goes to standard output and to the log.
/// </summary>
public sealed partial class DemoRunner(PeerVaultClient? client, DemoOptions options, TextWriter output, ILogger<DemoRunner> logger)
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

        if (client is null)
        {
            await output.WriteLineAsync($"FAIL no node configured: run the demo through the AppHost (dotnet run --project PeerVault.AppHost), or set ConnectionStrings__{DemoOptions.ConnectionName}=Endpoints=http://host:port,…;Key=… or services__node1__http__0=http://host:port for each node (README)");
            await output.WriteLineAsync("Nothing stored; exit code 1.");
            LogFailed(1, stopwatch.Elapsed.TotalSeconds);
            return 1;
        }

        var (nodes, unreachable) = await ReachNodesAsync(client, cancellationToken);
        if (unreachable.Count > 0)
        {
            foreach (var problem in unreachable)
            {
                await output.WriteLineAsync($"FAIL {problem}");
            }

            await output.WriteLineAsync($"Nothing stored: {unreachable.Count} node(s) unreachable after {options.ReachDeadline.TotalSeconds:0} s; exit code 1.");
            LogFailed(unreachable.Count, stopwatch.Elapsed.TotalSeconds);
            return 1;
        }

        if (nodes.FirstOrDefault(n => n.Name == options.Target) is not { Api: { } target })
        {
            await output.WriteLineAsync($"FAIL DEMO_TARGET names {options.Target}, which is none of the cluster's nodes ({string.Join(", ", nodes.Select(n => n.Name))}); exit code 1.");
            LogFailed(1, stopwatch.Elapsed.TotalSeconds);
            return 1;
        }

        LogStarting(files.Count, options.Target, string.Join(", ", nodes.Select(n => n.Name)));
        if (!options.FetchOnly)
        {
            var step = 0;
            foreach (var file in files)
            {
                LogStoring(++step, files.Count, file.Key, file.Content.Length, options.Target);
                var stored = await StoreAsync(target, file, cancellationToken);
                if (stored.Error is not null)
                {
                    failures.Add($"{file.Key}: store through {options.Target} failed: {stored.Error}");
                }

                holders[file.Key].UnionWith(stored.Replicas);
            }
        }

        var fetched = files.ToDictionary(f => f.Key, _ => new List<string>());
        var total = files.Count * nodes.Count;
        var done = 0;
        foreach (var file in files)
        {
            foreach (var (node, api) in nodes)
            {
                LogFetching(++done, total, file.Key, node);
                var result = await FetchAsync(api, file, node, cancellationToken);
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

        await output.WriteLineAsync($"PeerVault demo: {files.Count} files stored through {options.Target}, read back through {string.Join(", ", nodes.Select(n => n.Name))}");
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

        await output.WriteLineAsync($"All {files.Count} files round-tripped through {nodes.Count} node(s) in {stopwatch.Elapsed.TotalSeconds:0.0} s.");
        LogSucceeded(files.Count, nodes.Count, stopwatch.Elapsed.TotalSeconds);
        return 0;
    }

    /// <summary>
    /// Asks every endpoint who it is (<c>/v1/cluster</c>) until each answers or the deadline
    /// passes, so a demo with no cluster says so in one line per node instead of failing every file;
    /// the nodes come back in name order, each with a client of its own endpoint.
    /// </summary>
    private async Task<(List<(string Name, PeerVaultClient Api)> Nodes, List<string> Unreachable)> ReachNodesAsync(PeerVaultClient cluster, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.ReachDeadline);
        var answers = await Task.WhenAll(cluster.Endpoints.Select(endpoint => ReachAsync(cluster.ForEndpoint(endpoint), deadline.Token)));
        cancellationToken.ThrowIfCancellationRequested();
        return (
            [.. answers.Where(a => a.Problem is null).Select(a => (a.Name, a.Api)).OrderBy(n => n.Name, StringComparer.Ordinal)],
            [.. answers.Select(a => a.Problem).OfType<string>()]);
    }

    private async Task<(string Name, PeerVaultClient Api, string? Problem)> ReachAsync(PeerVaultClient node, CancellationToken deadline)
    {
        var endpoint = node.Endpoints[0];
        var known = options.NameOf(endpoint) ?? endpoint.GetLeftPart(UriPartial.Authority);
        var last = $"no answer within {options.ReachDeadline.TotalSeconds:0} s";
        while (true)
        {
            try
            {
                // A reachability probe, not an operation: it starts no trace (the Traces page is for what the demo does).
                using var untraced = SuppressInstrumentationScope.Begin();
                return ((await node.GetClusterAsync(deadline)).Node.Name, node, null);
            }
            catch (PeerVaultUnauthorizedException)
            {
                // It answers, but this key may not ask its name (not an admin key).
                return (known, node, null);
            }
            catch (PeerVaultUnreachableException ex) when (!deadline.IsCancellationRequested)
            {
                last = ex.Failures is [var failure, ..] ? failure.Reason : ex.Message;
            }
            catch (Exception ex) when (ex is PeerVaultException or OperationCanceledException)
            {
                return (known, node, $"{known} unreachable: {(ex is PeerVaultUnreachableException { Failures: [var failure, ..] } ? failure.Reason : ex is OperationCanceledException ? last : ex.Message)}");
            }

            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500), deadline);
            }
            catch (OperationCanceledException)
            {
                return (known, node, $"{known} unreachable: {last}");
            }
        }
    }

    private async Task<(IReadOnlyList<string> Replicas, string? Error)> StoreAsync(PeerVaultClient target, DemoFile file, CancellationToken cancellationToken)
    {
        using var activity = Source.StartActivity("StoreFile", ActivityKind.Client);
        activity?.SetTag("peervault.key", file.Key);
        activity?.SetTag("peervault.bytes", file.Content.Length);
        activity?.SetTag("peervault.node", options.Target);
        try
        {
            var stored = await target.PutAsync(file.Key, file.Content, cancellationToken);
            activity?.SetTag("peervault.object_id", stored.ObjectId);
            return (stored.Replicas, null);
        }
        catch (PeerVaultException ex)
        {
            return ([], Fail(activity, file.Key, Describe(ex)));
        }
    }

    private async Task<(bool ServedLocally, string? Error)> FetchAsync(PeerVaultClient node, DemoFile file, string name, CancellationToken cancellationToken)
    {
        using var activity = Source.StartActivity("FetchFile", ActivityKind.Client);
        activity?.SetTag("peervault.key", file.Key);
        activity?.SetTag("peervault.node", name);
        try
        {
            await using var read = await node.GetAsync(file.Key, cancellationToken: cancellationToken);
            var received = await CompareAsync(read.Content, file.Content, cancellationToken);
            activity?.SetTag("peervault.bytes", received);
            return received == file.Content.Length
                ? (read.Properties.ServedBy == "local", null)
                : (false, Fail(activity, file.Key, received < 0 ? "content differs from what was stored" : $"content differs ({received} bytes received, {file.Content.Length} expected)"));
        }
        catch (PeerVaultException ex)
        {
            return (false, Fail(activity, file.Key, Describe(ex)));
        }
    }

    /// <summary>Reads the body a buffer at a time against what was stored; the count of matching bytes, or -1 at the first difference.</summary>
    private static async Task<long> CompareAsync(Stream content, byte[] expected, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(64 << 10);
        try
        {
            long offset = 0;
            int read;
            while ((read = await content.ReadAsync(buffer, cancellationToken)) > 0)
            {
                if (offset + read > expected.Length || !buffer.AsSpan(0, read).SequenceEqual(expected.AsSpan((int)offset, read)))
                {
                    return -1;
                }

                offset += read;
            }

            return offset;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static string Describe(PeerVaultException ex) => ex switch
    {
        PeerVaultUnreachableException { Failures: [var failure, ..] } => failure.Reason,
        { Status: { } status } => $"{status} {ex.Message}",
        _ => ex.Message,
    };

    private string Fail(Activity? activity, string key, string error)
    {
        activity?.SetStatus(ActivityStatusCode.Error, error);
        LogFailure(key, error);
        return error;
    }

    private static string Size(long bytes) => bytes >= 1 << 20 ? $"{bytes / (double)(1 << 20):0.0} MiB" : $"{bytes} B";

    [LoggerMessage(Level = LogLevel.Warning, Message = "Demo operation on {Key} failed: {Error}")]
    private partial void LogFailure(string key, string error);

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
