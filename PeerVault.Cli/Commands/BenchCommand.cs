using System.CommandLine;
using System.Globalization;
using PeerVault.Cli.Output;
using PeerVault.Load;
using PeerVault.Load.Bench;

namespace PeerVault.Cli.Commands;

/// <summary>
/// <c>peervault bench</c>: the entry point of the load tool. It runs PeerVault.Load's bench engine
/// (machine limits, large and small objects, a mix, a listing; every result as a ratio to its
/// limit) against the cluster the CLI's connection settings name, or, with <c>--nodes N</c>, a
/// local cluster it starts from this repository's build. <c>--json</c> prints the result document
/// on standard output instead of the progress display and tables.
/// </summary>
internal static class BenchCommand
{
    public static Command Create(GlobalOptions global)
    {
        var defaults = new BenchOptions();
        var count = new Option<int>("--count", "-n") { Description = "At most this many operations per small-object phase", DefaultValueFactory = _ => defaults.SmallCount, HelpName = "n" };
        var size = new Option<string>("--size", "-s") { Description = "Bytes per small object: 4096, 4KiB, …", DefaultValueFactory = _ => "4KiB", HelpName = "bytes" };
        var concurrency = new Option<string>("--concurrency", "-c") { Description = "Small-object concurrencies, comma-separated", DefaultValueFactory = _ => "1,8,32,128", HelpName = "n[,n…]" };
        var duration = new Option<string>("--duration") { Description = "At most this long per small phase and for the mix: 10s, 1m", DefaultValueFactory = _ => "10s", HelpName = "time" };
        var only = new Option<string>("--only") { Description = $"Phases to run: {string.Join(", ", BenchPhases.All)}", DefaultValueFactory = _ => string.Join(',', BenchPhases.All), HelpName = "phase[,phase…]" };
        var largeMb = new Option<int>("--large-mb") { Description = "Size of the large object in MiB", DefaultValueFactory = _ => (int)(defaults.LargeBytes >> 20), HelpName = "MiB" };
        var throughMb = new Option<int>("--through-mb") { Description = "Size of the object passed through a non-replica node while its memory is watched, in MiB", DefaultValueFactory = _ => (int)(defaults.ThroughBytes >> 20), HelpName = "MiB" };
        var nodes = new Option<int?>("--nodes") { Description = "Start a local cluster of N nodes (R=3, W=2) from this repository's build instead of using the endpoints", HelpName = "n" };
        var nodeEnv = new Option<string[]>("--node-env") { Description = "Extra setting for the local cluster's nodes (repeatable)", HelpName = "VAR=VALUE" };
        var pids = new Option<string?>("--pids") { Description = "The endpoints' node processes on this machine, in order, to watch memory and CPU", HelpName = "pid[,pid…]" };
        var prefix = new Option<string>("--prefix") { Description = "Key prefix of the objects written (a run adds its id)", DefaultValueFactory = _ => defaults.Prefix, HelpName = "prefix" };
        var keep = new Option<bool>("--keep") { Description = "Leave the objects in place (default: delete what the run wrote)" };
        var outFile = new Option<string?>("--out") { Description = "Also write the JSON result to this file", HelpName = "file" };
        var command = new Command("bench", "Measure the cluster against this machine's limits (the load tool: large and small objects, a mix, a listing)")
        {
            count, size, concurrency, duration, only, largeMb, throughMb, nodes, nodeEnv, pids, prefix, keep, outFile,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            BenchOptions Options(IReadOnlyList<Uri> endpoints, string? apiKey)
            {
                try
                {
                    var environment = new Dictionary<string, string>(StringComparer.Ordinal);
                    foreach (var setting in parse.GetValue(nodeEnv) ?? [])
                    {
                        NodeEnvironmentArgument.Add(environment, "--node-env", setting);
                    }

                    return new BenchOptions
                    {
                        Endpoints = endpoints,
                        ApiKey = apiKey,
                        Nodes = parse.GetValue(nodes) ?? defaults.Nodes,
                        Pids = parse.GetValue(pids) is { } list ? BenchOptions.PositiveList("--pids", list) : [],
                        SmallCount = Positive("--count", parse.GetValue(count)),
                        SmallBytes = TryParseSize(parse.GetRequiredValue(size), out var bytes) && bytes <= int.MaxValue ? (int)bytes : throw new ArgumentException($"--size '{parse.GetValue(size)}' is not a size (e.g. 4096, 4KiB)."),
                        Concurrency = BenchOptions.PositiveList("--concurrency", parse.GetRequiredValue(concurrency)),
                        PhaseDuration = SoakDuration(parse.GetRequiredValue(duration)),
                        Only = BenchOptions.ParseOnly(parse.GetRequiredValue(only)),
                        LargeBytes = (long)Positive("--large-mb", parse.GetValue(largeMb)) << 20,
                        ThroughBytes = (long)Positive("--through-mb", parse.GetValue(throughMb)) << 20,
                        NodeEnvironment = environment,
                        Prefix = parse.GetRequiredValue(prefix),
                        Keep = parse.GetValue(keep),
                        ResultPath = parse.GetValue(outFile),
                    }.Validate();
                }
                catch (ArgumentException ex)
                {
                    throw new CliException(ExitCodes.BadUsage, ex.Message);
                }
            }

            var invocation = new Invocation(parse, cancellationToken);
            return parse.GetValue(nodes) is null
                ? global.RunAsync(invocation, (output, connection) => RunAsync(output, Options(connection.Endpoints, connection.Settings.ApiKey), cancellationToken))
                : RunLocalAsync(new CliOutput(parse.GetValue(global.Json)), () => RunAsync(new CliOutput(parse.GetValue(global.Json)), Options([], null), cancellationToken));
        });
        return command;
    }

    public static bool TryParseSize(string text, out long bytes)
    {
        var units = new (string Suffix, long Factor)[] { ("GiB", 1L << 30), ("MiB", 1L << 20), ("KiB", 1L << 10), ("G", 1L << 30), ("M", 1L << 20), ("K", 1L << 10), ("B", 1), (string.Empty, 1) };
        foreach (var (suffix, factor) in units)
        {
            if (text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)
                && long.TryParse(text.AsSpan(0, text.Length - suffix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var number)
                && number > 0)
            {
                bytes = number * factor;
                return true;
            }
        }

        bytes = 0;
        return false;
    }

    private static async Task<int> RunAsync(CliOutput output, BenchOptions options, CancellationToken cancellationToken)
    {
        BenchResult result;
        try
        {
            result = output.Interactive
                ? await BenchProgress.ShowAsync(output.Error, progress => BenchRunner.RunAsync(options, progress, cancellationToken))
                : await BenchRunner.RunAsync(options, BenchProgress.Silent, cancellationToken);
        }
        catch (BenchFailedException ex)
        {
            throw new CliException(ExitCodes.Unreachable, ex.Message);
        }

        var json = BenchReport.ToJson(result);
        if (options.ResultPath is { } path)
        {
            await File.WriteAllTextAsync(path, json, cancellationToken);
        }

        if (output.Json)
        {
            CliOutput.Line(json);
        }
        else
        {
            BenchReport.Print(output.Out, result);
        }

        return result.Errors == 0 && result.VerificationFailures == 0 ? ExitCodes.Ok : ExitCodes.Failure;
    }

    /// <summary>A local cluster needs no connection settings; the failures are still one line (or JSON) and an exit code.</summary>
    private static async Task<int> RunLocalAsync(CliOutput output, Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (CliException ex)
        {
            output.Fail(ex);
            return ex.ExitCode;
        }
        catch (FileNotFoundException ex)
        {
            // The node is not built beside this CLI (an installed tool has no cluster to start).
            output.Fail(new CliException(ExitCodes.Failure, ex.Message));
            return ExitCodes.Failure;
        }
    }

    private static int Positive(string name, int value) => value > 0 ? value : throw new ArgumentException($"{name} must be 1 or more.");

    private static TimeSpan SoakDuration(string text) => Load.SoakOptions.ParseDuration("--duration", text);
}
