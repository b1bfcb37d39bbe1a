using System.CommandLine;
using PeerVault.Cli.Output;
using PeerVault.Contracts;

namespace PeerVault.Cli.Commands;

/// <summary><c>peervault rm KEY</c>: writes a tombstone to the key's replicas (<c>DELETE /v1/objects/KEY</c>).</summary>
internal static class RemoveCommand
{
    public static Command Create(GlobalOptions global)
    {
        var key = new Argument<string>("key") { Description = "Object key" };
        var command = new Command("rm", "Delete an object (a tombstone on its replicas); exit 3 if it did not exist") { key };
        command.Aliases.Add("delete");
        command.SetAction((parse, cancellationToken) => global.RunAsync(new(parse, cancellationToken), async (output, client) =>
        {
            var name = parse.GetRequiredValue(key);
            var deleted = await client.CallAsync($"rm {name}", api => api.DeleteAsync(name, cancellationToken));
            if (output.Json)
            {
                CliOutput.WriteJson(deleted, PeerVaultJsonContext.Default.DeletedObject);
            }
            else
            {
                CliOutput.Line($"Deleted {deleted.Key}: tombstone version {deleted.Version} on {string.Join(", ", deleted.Replicas)}");
            }

            return ExitCodes.Ok;
        }));
        return command;
    }
}
