using Aspire.Hosting;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.AppHost;

/// <summary>
/// Starts the real AppHost's model (Program.cs) through the testing builder: every node and the
/// demo as real processes, their data and the AppHost's user secrets in places of the test's own.
/// </summary>
public static class AppHostRunner
{
    public static async Task<DistributedApplication> StartAsync(string dataRoot, string userSecretsId, CapturedLogs? logs = null, bool dashboard = false)
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.PeerVault_AppHost>(
            [$"--AppHost:DataRoot={dataRoot}", $"--AppHost:UserSecretsId={userSecretsId}"],
            options => options.DisableDashboard = !dashboard,
            TestContext.Current.CancellationToken);
        var captured = logs ?? new CapturedLogs("apphost");
        builder.Services.AddLogging(logging => logging.AddProvider(captured).SetMinimumLevel(LogLevel.Information));
        var app = await builder.BuildAsync(TestContext.Current.CancellationToken);
        await app.StartAsync(TestContext.Current.CancellationToken);
        return app;
    }

    public static async Task WaitForNodesAsync(DistributedApplication app)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(90));
        foreach (var node in new[] { "node1", "node2", "node3" })
        {
            await app.ResourceNotifications.WaitForResourceHealthyAsync(node, timeout.Token);
        }
    }

    /// <summary>Removes the test's user-secrets folder.</summary>
    public static void DeleteUserSecrets(string userSecretsId)
    {
        var file = Microsoft.Extensions.Configuration.UserSecrets.PathHelper.GetSecretsPathFromSecretsId(userSecretsId);
        var folder = Path.GetDirectoryName(file)!;
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
