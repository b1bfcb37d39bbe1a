using System.CommandLine;
using System.Globalization;
using PeerVault.Cli.Output;
using PeerVault.Contracts;

namespace PeerVault.Cli.Commands;

/// <summary>
/// <c>peervault cluster</c>: the answering node (R, W, objects, disk), every member with its state,
/// last contact and clock offset, and replication (under-replicated objects, repair backlog, last full sync),
/// from <c>GET /v1/cluster</c> (an admin key).
/// </summary>
internal static class ClusterCommand
{
    public static Command Create(GlobalOptions global)
    {
        var command = new Command("cluster", "Show members and their states, under-replicated objects and the repair backlog (admin key)");
        command.SetAction((parse, cancellationToken) => global.RunAsync(new(parse, cancellationToken), async (output, client) =>
        {
            var cluster = await client.CallAsync("cluster", api => api.GetClusterAsync(cancellationToken));
            if (output.Json)
            {
                CliOutput.WriteJson(cluster, PeerVaultJsonContext.Default.ClusterDescription);
                return ExitCodes.Ok;
            }

            var node = cluster.Node;
            CliOutput.Line($"Answered by {node.Name}: {node.Objects} object(s), replicas R={node.Replicas} (configured {node.ConfiguredReplicas}), write quorum W={node.WriteQuorum}, key {node.KeyId} epoch {node.Epoch}"
                + (node.Disk is { } disk ? $", disk {CliOutput.Bytes(disk.FreeBytes)} free of {CliOutput.Bytes(disk.TotalBytes)}" : string.Empty));
            var members = CliOutput.Table("Member", "State", "Address", "Since (UTC)", "Last seen (UTC)", "Clock", "Id");
            foreach (var m in cluster.Members.OrderBy(m => m.Name, StringComparer.Ordinal))
            {
                CliOutput.AddRow(members, m.Self ? $"{m.Name} (this node)" : m.Name, m.State, m.Address ?? string.Empty, Time(m.StateSince), m.Self ? "-" : m.LastSeen is { } seen ? Time(seen) : "never", m.Self ? "-" : Offset(m), m.Id);
            }

            output.Write(members);
            var r = cluster.Replication;
            CliOutput.Line($"Replication: {r.UnderReplicated} under-replicated, {r.RepairBacklog} waiting for repair, {r.ObjectsRepaired} object(s) / {CliOutput.Bytes(r.BytesRepaired)} repaired, {r.Tombstones} tombstone(s), last full sync {(r.LastFullSync is { } last ? Time(last) : "never")}");
            return ExitCodes.Ok;
        }));
        return command;
    }

    public static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    /// <summary>A member's clock against the answering node's: "+20.012 s ± 0.001", or "?" when not measured (not connected).</summary>
    public static string Offset(MemberDescription member)
        => member.ClockOffsetSeconds is { } seconds
            ? $"{seconds.ToString("+0.000;-0.000", CultureInfo.InvariantCulture)} s ± {(member.ClockOffsetUncertaintySeconds ?? 0).ToString("0.000", CultureInfo.InvariantCulture)}"
            : "?";
}
