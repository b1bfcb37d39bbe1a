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
    public static async Task<DistributedApplication> StartAsync(AppHostScope scope, CapturedLogs? logs = null, bool dashboard = false)
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.PeerVault_AppHost>(
            scope.Arguments,
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
}

/// <summary>
/// Where one AppHost run under test keeps its state: a data folder for the nodes and a user-secrets
/// id of its own (so a developer's real AppHost secrets are never touched). Both go on dispose.
/// </summary>
public sealed class AppHostScope : IDisposable
{
    private readonly TempDirectory _data = new("peervault-apphost");

    public string DataRoot => _data.Path;

    public string UserSecretsId { get; } = $"peervault-test-{Guid.NewGuid():N}";

    /// <summary>The AppHost arguments that point it at this scope.</summary>
    public string[] Arguments => [$"--AppHost:DataRoot={DataRoot}", $"--AppHost:UserSecretsId={UserSecretsId}"];

    public void Dispose()
    {
        var secrets = Path.GetDirectoryName(Microsoft.Extensions.Configuration.UserSecrets.PathHelper.GetSecretsPathFromSecretsId(UserSecretsId))!;
        if (Directory.Exists(secrets))
        {
            Directory.Delete(secrets, recursive: true);
        }

        _data.Dispose();
    }
}
