using System.CommandLine;
using PeerVault.Cli.Connection;
using PeerVault.Cli.Output;
using PeerVault.Contracts;

namespace PeerVault.Cli.Commands;

/// <summary>
/// <c>peervault put KEY [FILE|-]</c>: streams a file (with a progress bar on a terminal) or
/// standard input as the body of <c>PUT /v1/objects/KEY</c>; prints where it is durable.
/// </summary>
internal static class PutCommand
{
    public static Command Create(GlobalOptions global)
    {
        var key = new Argument<string>("key") { Description = "Object key (slashes allowed, e.g. photos/2026/cat.jpg)" };
        var source = new Argument<string?>("file") { Description = "File to upload; '-' or omitted reads standard input", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("put", "Store a file or standard input under a key (streamed); prints size, version and the replicas that acknowledged")
        {
            key,
            source,
        };
        command.SetAction((parse, cancellationToken) => global.RunAsync(new(parse, cancellationToken), (output, client) =>
            RunAsync(output, client, parse.GetRequiredValue(key), parse.GetValue(source), cancellationToken)));
        return command;
    }

    private static async Task<int> RunAsync(CliOutput output, CliConnection client, string key, string? source, CancellationToken cancellationToken)
    {
        var fromStdin = source is null or "-";
        if (fromStdin && !Console.IsInputRedirected)
        {
            throw new CliException(ExitCodes.BadUsage, "put: give a file, or pipe the data into standard input (e.g. 'peervault put KEY < file').");
        }

        FileInfo? file = null;
        if (!fromStdin)
        {
            file = new FileInfo(source!);
            if (!file.Exists)
            {
                throw new CliException(ExitCodes.BadUsage, $"put: {file.FullName} does not exist.");
            }
        }

        var stored = await TransferProgress.RunAsync(output, $"put {key}", file?.Length, async progressed =>
        {
            // A file can be sent again from its start, so the client falls over to the next endpoint
            // even mid-upload; standard input only while nothing of it was read.
            await using var body = new ProgressStream(
                fromStdin ? Console.OpenStandardInput() : new FileStream(file!.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.Asynchronous | FileOptions.SequentialScan),
                progressed);
            return await client.CallAsync($"put {key}", api => api.PutAsync(key, body, file?.Length, cancellationToken));
        });

        if (output.Json)
        {
            CliOutput.WriteJson(stored, PeerVaultJsonContext.Default.StoredObject);
        }
        else
        {
            CliOutput.Line($"Stored {stored.Key}: {CliOutput.Bytes(stored.Size)}, version {stored.Version}, object {stored.ObjectId}");
            CliOutput.Line($"Durable on {string.Join(", ", stored.Replicas)} (placed on {string.Join(", ", stored.Placement)})");
        }

        return ExitCodes.Ok;
    }
}
