using System.CommandLine;
using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using PeerVault.Cli.Api;
using PeerVault.Cli.Output;

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

    private static async Task<int> RunAsync(CliOutput output, PeerVaultClient client, string key, string? target, string? range, CancellationToken cancellationToken)
    {
        var path = PeerVaultClient.ObjectPath("/v1/objects/", key);
        using var response = await client.SendAsync(
            endpoint =>
            {
                var request = new HttpRequestMessage(HttpMethod.Get, PeerVaultClient.Combine(endpoint, path));
                if (range is not null)
                {
                    request.Headers.Range = RangeHeaderValue.Parse($"bytes={range}");
                }

                return request;
            },
            $"get {key}",
            cancellationToken,
            HttpCompletionOption.ResponseHeadersRead);

        var expected = response.Content.Headers.ContentLength;
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        if (target is null or "-")
        {
            await using var stdout = Console.OpenStandardOutput();
            var copied = await CopyAsync(body, stdout, _ => { }, cancellationToken);
            EnsureComplete(key, copied, expected);
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
            written = await TransferProgress.RunAsync(output, $"get {key}", expected, async progressed =>
            {
                await using var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1, FileOptions.Asynchronous);
                var copied = await CopyAsync(body, file, progressed, cancellationToken);
                EnsureComplete(key, copied, expected);
                await file.FlushAsync(cancellationToken);
                return copied;
            });
            File.Move(temporary, destination, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }

        var result = new DownloadResult(
            key,
            destination,
            written,
            Header(response, "X-PeerVault-Version"),
            Header(response, "X-PeerVault-Object-Id"),
            response.StatusCode == HttpStatusCode.PartialContent ? response.Content.Headers.ContentRange?.ToString() : null,
            Header(response, "X-PeerVault-Served-By"));
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

    public static string? Header(HttpResponseMessage response, string name)
        => response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    private static async Task<long> CopyAsync(Stream from, Stream to, Action<long> progressed, CancellationToken cancellationToken)
    {
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(81920);
        long total = 0;
        try
        {
            int read;
            while ((read = await ReadAsync(from, buffer, total, cancellationToken)) > 0)
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

    private static async Task<int> ReadAsync(Stream from, byte[] buffer, long soFar, CancellationToken cancellationToken)
    {
        try
        {
            return await from.ReadAsync(buffer, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException && !cancellationToken.IsCancellationRequested)
        {
            throw CutShort(soFar, PeerVaultClient.Describe(ex));
        }
    }

    private static void EnsureComplete(string key, long copied, long? expected)
    {
        if (expected is { } length && copied != length)
        {
            throw CutShort(copied, $"{length} bytes were announced for {key}");
        }
    }

    // A node aborts a response whose copy fails verification after the first bytes are out; a
    // broken connection looks the same from here.
    private static CliException CutShort(long received, string why) => new(
        ExitCodes.Storage,
        $"The download stopped after {received} bytes ({why}): the node aborts a response when a copy fails verification mid-stream, or the connection broke. A file target is left untouched; retry.");
}
