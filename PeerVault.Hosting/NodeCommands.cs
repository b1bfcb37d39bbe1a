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

    public static IResourceBuilder<ProjectResource> WithNodeCommands(this IResourceBuilder<ProjectResource> builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var node = builder.Resource;
        return builder.WithCommand(
            ClusterStatus,
            "Cluster status",
            async context =>
            {
                var clients = context.Services.GetRequiredService<IHttpClientFactory>();
                try
                {
                    var status = await NodeStatus.ReadAsync(clients, node, context.CancellationToken);
                    var table = new StringBuilder("| peer | state |\n| --- | --- |\n");
                    foreach (var (name, state) in status.Peers)
                    {
                        table.Append("| ").Append(name).Append(" | ").Append(state).Append(" |\n");
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
