using System.CommandLine;
using PeerVault.Cli.Api;
using PeerVault.Cli.Output;
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

    private static async Task<int> RunAsync(CliOutput output, PeerVaultClient client, string key, CancellationToken cancellationToken)
    {
        var path = PeerVaultClient.ObjectPath("/v1/objects/", key);
        using var head = await client.SendAsync(e => new HttpRequestMessage(HttpMethod.Head, PeerVaultClient.Combine(e, path)), $"stat {key}", cancellationToken);
        var placement = await client.GetJsonAsync(PeerVaultClient.ObjectPath("/v1/placement/", key), ApiJsonContext.Default.KeyPlacement, $"stat {key}", cancellationToken);

        string? note = null;
        IReadOnlyList<MemberDescription>? members = null;
        try
        {
            members = (await client.GetJsonAsync("/v1/cluster", ApiJsonContext.Default.ClusterDescription, "cluster", cancellationToken)).Members;
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
            head.Content.Headers.ContentLength ?? -1,
            GetCommand.Header(head, "X-PeerVault-Object-Id"),
            GetCommand.Header(head, "X-PeerVault-Version"),
            GetCommand.Header(head, "X-PeerVault-Served-By"),
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
