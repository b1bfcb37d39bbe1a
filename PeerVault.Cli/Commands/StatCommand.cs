using System.CommandLine;
using PeerVault.Cli.Connection;
using PeerVault.Cli.Output;
using PeerVault.Contracts;
using Spectre.Console;

namespace PeerVault.Cli.Commands;

/// <summary>
/// <c>peervault stat KEY</c>: size, object id and version (<c>HEAD</c>), the key's partition and
/// placed replicas (<c>/v1/placement</c>), and each replica's member state (<c>/v1/cluster</c>,
/// which needs an admin key: with a read-only key the states are left out and the output says so).
/// </summary>
internal static class StatCommand
{
    public static Command Create(GlobalOptions global)
    {
        var key = new Argument<string>("key") { Description = "Object key" };
        var command = new Command("stat", "Show an object's size, version and replicas with their state") { key };
        command.SetAction((parse, cancellationToken) => global.RunAsync(new(parse, cancellationToken), (output, client) =>
            RunAsync(output, client, parse.GetRequiredValue(key), cancellationToken)));
        return command;
    }

    private static async Task<int> RunAsync(CliOutput output, CliConnection client, string key, CancellationToken cancellationToken)
    {
        var head = await client.CallAsync($"stat {key}", api => api.HeadAsync(key, cancellationToken: cancellationToken));
        var placement = await client.CallAsync($"stat {key}", api => api.GetPlacementAsync(key, cancellationToken));

        string? note = null;
        IReadOnlyList<MemberDescription>? members = null;
        try
        {
            members = (await client.CallAsync("cluster", api => api.GetClusterAsync(cancellationToken))).Members;
        }
        catch (CliException ex) when (ex.ExitCode == ExitCodes.Unauthorized)
        {
            note = "Replica states need an admin key (this key may read but not see /v1/cluster).";
        }

        var replicas = placement.Placement
            .Select(name => members?.FirstOrDefault(m => m.Name == name) is { } member ? new ReplicaState(name, member.State, member.Address) : new ReplicaState(name, null, null))
            .ToList();
        var result = new StatResult(
            key,
            head.Size,
            head.ObjectId,
            head.Version,
            head.ServedBy,
            placement.Partition,
            placement.Replicas,
            replicas,
            Receipt: null,
            note);

        if (output.Json)
        {
            CliOutput.WriteJson(result, CliJsonContext.Default.StatResult);
            return ExitCodes.Ok;
        }

        var facts = CliOutput.Table("Field", "Value").HideHeaders();
        CliOutput.AddRow(facts, "key", key);
        CliOutput.AddRow(facts, "size", $"{CliOutput.Bytes(result.Size)} ({result.Size} bytes)");
        CliOutput.AddRow(facts, "version", result.Version ?? "?");
        CliOutput.AddRow(facts, "object id", result.ObjectId ?? "?");
        CliOutput.AddRow(facts, "partition", $"{result.Partition} (replication factor {result.ReplicationFactor})");
        CliOutput.AddRow(facts, "served by", result.ServedBy ?? "?");
        output.Write(facts);

        var table = CliOutput.Table("Replica", "State", "Address");
        foreach (var replica in replicas)
        {
            CliOutput.AddRow(table, replica.Node, replica.State ?? "unknown", replica.Address ?? string.Empty);
        }

        output.Write(table);
        if (note is not null)
        {
            CliOutput.Line(note);
        }

        return ExitCodes.Ok;
    }
}
