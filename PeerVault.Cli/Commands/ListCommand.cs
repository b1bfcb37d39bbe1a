using System.CommandLine;
using System.Globalization;
using PeerVault.Cli.Connection;
using PeerVault.Cli.Output;
using PeerVault.Contracts;
using Spectre.Console;

namespace PeerVault.Cli.Commands;

/// <summary>
/// <c>peervault ls [--prefix P] [--after K] [--limit N]</c>: the live keys of the whole cluster in
/// key order with size, version and last update, following the API's <c>next</c> cursor page by
/// page until the listing ends or <c>--limit</c> objects were printed.
/// </summary>
internal static class ListCommand
{
    private const int MaxPageSize = 10_000;

    public static Command Create(GlobalOptions global)
    {
        var prefix = new Option<string?>("--prefix", "-p") { Description = "Only keys starting with this", HelpName = "prefix" };
        var after = new Option<string?>("--after") { Description = "Start after this key (the 'next' a limited listing printed)", HelpName = "key" };
        var limit = new Option<int?>("--limit", "-n") { Description = "List at most this many objects (default: all)", HelpName = "count" };
        var pageSize = new Option<int>("--page-size") { Description = $"Objects per request (1 to {MaxPageSize})", DefaultValueFactory = _ => 1000, HelpName = "count" };
        pageSize.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 1 or > MaxPageSize)
            {
                result.AddError($"--page-size must be from 1 to {MaxPageSize}.");
            }
        });
        limit.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is < 1)
            {
                result.AddError("--limit must be 1 or more.");
            }
        });
        var command = new Command("ls", "List objects (key, size, version, last update), optionally under a prefix; pages through the whole listing")
        {
            prefix,
            after,
            limit,
            pageSize,
        };
        command.Aliases.Add("list");
        command.SetAction((parse, cancellationToken) => global.RunAsync(new(parse, cancellationToken), (output, client) =>
            RunAsync(output, client, parse.GetValue(prefix), parse.GetValue(after), parse.GetValue(limit), parse.GetValue(pageSize), cancellationToken)));
        return command;
    }

    private static async Task<int> RunAsync(CliOutput output, CliConnection client, string? prefix, string? after, int? limit, int requestSize, CancellationToken cancellationToken)
    {
        var objects = new List<ObjectSummary>();
        string? next = after;
        do
        {
            var pageSize = Math.Min(requestSize, (limit ?? int.MaxValue) - objects.Count);
            var page = await client.CallAsync("ls", api => api.ListPageAsync(prefix, next, pageSize, cancellationToken));
            objects.AddRange(page.Objects);
            next = page.Next;
        }
        while (next is not null && objects.Count < (limit ?? int.MaxValue));

        if (output.Json)
        {
            CliOutput.WriteJson(new ListResult(objects, next), CliJsonContext.Default.ListResult);
            return ExitCodes.Ok;
        }

        if (objects.Count == 0)
        {
            CliOutput.Line(prefix is null ? "No objects." : $"No objects under '{prefix}'.");
            return ExitCodes.Ok;
        }

        var table = CliOutput.Table("Key", "Size", "Version", "Updated (UTC)");
        table.Columns[1].RightAligned();
        foreach (var o in objects)
        {
            CliOutput.AddRow(table, o.Key, CliOutput.Bytes(o.Size), o.Version, o.UpdatedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture));
        }

        output.Write(table);
        CliOutput.Line($"{objects.Count} object(s), {CliOutput.Bytes(objects.Sum(o => o.Size))}" + (next is null ? string.Empty : $"; more after '{next}' (--after '{next}')"));
        return ExitCodes.Ok;
    }
}
