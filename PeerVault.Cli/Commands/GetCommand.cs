using System.CommandLine;
using System.Text.RegularExpressions;
using PeerVault.Cli.Connection;
using PeerVault.Cli.Output;
using PeerVault.Client;

namespace PeerVault.Cli.Commands;

/// <summary>
/// <c>peervault get KEY [-o FILE] [--range A-B]</c>: streams the object to standard output or to a
/// file. A file is written under a temporary name in the same folder and renamed only once every
/// byte arrived, so a failed download never leaves a partial file behind.
/// </summary>
internal static partial class GetCommand
{
    public static Command Create(GlobalOptions global)
    {
        var key = new Argument<string>("key") { Description = "Object key" };
        var outputFile = new Option<string?>("--output", "-o") { Description = "Write to this file (or into this folder, named after the key's last segment); '-' or omitted is standard output", HelpName = "file" };
        var range = new Option<string?>("--range", "-r") { Description = "Only these bytes, inclusive: 0-1023, 1024- (from 1024 on), -500 (the last 500)", HelpName = "first-last" };
        range.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } value && !RangePattern().IsMatch(value))
            {
                result.AddError($"--range '{value}' is not first-last, first- or -suffix (bytes, e.g. 0-1023).");
            }
        });
        var command = new Command("get", "Read an object to standard output or a file (streamed); --range reads part of it")
        {
            key,
            outputFile,
            range,
        };
        command.SetAction((parse, cancellationToken) => global.RunAsync(new(parse, cancellationToken), (output, client) =>
            RunAsync(output, client, parse.GetRequiredValue(key), parse.GetValue(outputFile), parse.GetValue(range), cancellationToken)));
        return command;
    }

    [GeneratedRegex(@"^(\d+-\d*|-\d+)$", RegexOptions.CultureInvariant)]
    private static partial Regex RangePattern();

    private static async Task<int> RunAsync(CliOutput output, CliConnection client, string key, string? target, string? range, CancellationToken cancellationToken)
    {
        ObjectRange? part = range is not null && ObjectRange.TryParse(range, out var parsed) ? parsed : null;
        await using var read = await client.CallAsync($"get {key}", api => api.GetAsync(key, part, cancellationToken));
        var properties = read.Properties;
        if (target is null or "-")
        {
            await using var stdout = Console.OpenStandardOutput();
            await CopyAsync(read.Content, stdout, _ => { }, cancellationToken);
            return ExitCodes.Ok;
        }

        var intoFolder = Directory.Exists(target) || target.EndsWith('/') || target.EndsWith(Path.DirectorySeparatorChar);
        var destination = Path.GetFullPath(intoFolder ? Path.Combine(target, key.Split('/')[^1]) : target);
        var folder = Path.GetDirectoryName(destination)!;
        if (!Directory.Exists(folder))
        {
            throw new CliException(ExitCodes.BadUsage, $"get: the folder {folder} does not exist.");
        }

        var temporary = Path.Combine(folder, $".{Path.GetFileName(destination)}.{Guid.NewGuid():N}.part");
        long written;
        try
        {
            written = await TransferProgress.RunAsync(output, $"get {key}", properties.ContentLength, async progressed =>
            {
                await using var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1, FileOptions.Asynchronous);
                var copied = await CopyAsync(read.Content, file, progressed, cancellationToken);
                await file.FlushAsync(cancellationToken);
                return copied;
            });
            File.Move(temporary, destination, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }

        var result = new DownloadResult(key, destination, written, properties.Version, properties.ObjectId, properties.ContentRange, properties.ServedBy);
        if (output.Json)
        {
            CliOutput.WriteJson(result, CliJsonContext.Default.DownloadResult);
        }
        else
        {
            CliOutput.Line($"Wrote {CliOutput.Bytes(written)} of {key} (version {result.Version}{(result.ContentRange is { } r ? $", {r}" : string.Empty)}) to {destination}");
        }

        return ExitCodes.Ok;
    }

    private static async Task<long> CopyAsync(Stream from, Stream to, Action<long> progressed, CancellationToken cancellationToken)
    {
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(81920);
        long total = 0;
        try
        {
            int read;
            while ((read = await ReadAsync(from, buffer, cancellationToken)) > 0)
            {
                await to.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                total += read;
                progressed(read);
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }

        return total;
    }

    private static async Task<int> ReadAsync(Stream from, byte[] buffer, CancellationToken cancellationToken)
    {
        try
        {
            return await from.ReadAsync(buffer, cancellationToken);
        }
        catch (PeerVaultIntegrityException ex)
        {
            // The client checks the length the node announced; a response cut short is this.
            throw new CliException(ExitCodes.Storage, $"{ex.Message} A file target is left untouched; retry.");
        }
    }
}
