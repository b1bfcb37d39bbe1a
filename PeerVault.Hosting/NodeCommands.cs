using System.Text;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;

namespace PeerVault.Hosting;

/// <summary>
/// Node operations an operator triggers by hand from the dashboard (or
/// <c>ResourceCommands.ExecuteCommandAsync</c>), beside Aspire's own start, stop and restart.
/// </summary>
public static class NodeCommands
{
    public const string ClusterStatus = "peervault-cluster-status";
    public const string RepairNow = "peervault-repair-now";

    public static IResourceBuilder<ProjectResource> WithNodeCommands(this IResourceBuilder<ProjectResource> builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var node = builder.Resource;
        builder.WithCommand(
            RepairNow,
            "Repair now",
            async context =>
            {
                var clients = context.Services.GetRequiredService<IHttpClientFactory>();
                try
                {
                    var endpoint = node.GetEndpoint("http");
                    using var http = await NodeStatus.CreateClientAsync(clients, node, context.CancellationToken);
                    http.Timeout = TimeSpan.FromMinutes(10);
                    using var response = await http.PostAsync(new Uri($"{endpoint.Url}/v1/cluster/sync"), content: null, context.CancellationToken);
                    var report = await response.Content.ReadAsStringAsync(context.CancellationToken);
                    return response.IsSuccessStatusCode
                        ? CommandResults.Success("Anti-entropy pass finished", report, CommandResultFormat.Json)
                        : CommandResults.Failure($"{node.Name} answered {(int)response.StatusCode}");
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    return CommandResults.Failure($"{node.Name} did not answer: {ex.Message}");
                }
            },
            new CommandOptions
            {
                Description = "Compares this node's partitions with every peer's now and repairs what differs (anti-entropy), instead of waiting for the next periodic pass.",
                IconName = "ArrowSync",
                UpdateState = context => context.ResourceSnapshot.State?.Text == KnownResourceStates.Running ? ResourceCommandState.Enabled : ResourceCommandState.Disabled,
            });
        return builder.WithCommand(
            ClusterStatus,
            "Cluster status",
            async context =>
            {
                var clients = context.Services.GetRequiredService<IHttpClientFactory>();
                try
                {
                    var status = await NodeStatus.ReadAsync(clients, node, context.CancellationToken);
                    var table = new StringBuilder("| peer | state | clock offset |\n| --- | --- | --- |\n");
                    foreach (var (name, state, offset) in status.Peers)
                    {
                        table.Append("| ").Append(name).Append(" | ").Append(state).Append(" | ")
                            .Append(offset is { } seconds ? seconds.ToString("+0.000 's';-0.000 's'", System.Globalization.CultureInfo.InvariantCulture) : "?").Append(" |\n");
                    }

                    return CommandResults.Success(status.Summary, table.ToString(), CommandResultFormat.Markdown);
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException or KeyNotFoundException)
                {
                    return CommandResults.Failure($"{node.Name} did not answer: {ex.Message}");
                }
            },
            new CommandOptions
            {
                Description = "Shows which peers this node is connected to and how many of its objects lack a replica.",
                IconName = "PeopleTeam",
                UpdateState = context => context.ResourceSnapshot.State?.Text == KnownResourceStates.Running ? ResourceCommandState.Enabled : ResourceCommandState.Disabled,
            });
    }
}
