using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.AppHost;

/// <summary><c>dotnet PeerVault.AppHost.dll --exit-after demo</c>, the way scripts and CI run the application.</summary>
[Collection(nameof(AppHostSerial))]
public sealed class AppHostProcessTests
{
    private static string[] Arguments(AppHostScope scope, params string[] extra) =>
    [
        "--exit-after", "demo",
        .. scope.Arguments,
        "--Dashboard:Port=0", "--Dashboard:OtlpGrpcPort=0", "--Dashboard:OtlpHttpPort=0",
        .. extra,
    ];

    [Fact]
    public async Task Exit_after_demo_runs_the_whole_application_and_exits_with_the_demos_code_zero()
    {
        using var scope = new AppHostScope();
        await using var apphost = ServiceProcess.Start("apphost", "PeerVault.AppHost", new Dictionary<string, string?>(), scope.DataRoot, Arguments(scope));

        Assert.Equal(0, await apphost.WaitForExitAsync(TimeSpan.FromMinutes(3)));
        Assert.Contains(apphost.Lines, l => l.Contains("Login to the dashboard at http://localhost:", StringComparison.Ordinal));
        Assert.Contains(apphost.Lines, l => l.Contains("demo  | All 21 files round-tripped", StringComparison.Ordinal));
        Assert.Contains(apphost.Lines, l => l.StartsWith("'demo' finished with exit code 0", StringComparison.Ordinal));
        Assert.Contains(apphost.Lines, l => l.StartsWith("The dashboard held", StringComparison.Ordinal) && !l.StartsWith("The dashboard held 0 spans", StringComparison.Ordinal));
        foreach (var node in new[] { "node1", "node2", "node3" })
        {
            Assert.Contains(apphost.Lines, l => l.Contains($"{node} |", StringComparison.Ordinal) && l.Contains("Connected to peer", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task An_invalid_cluster_key_parameter_stops_the_nodes_and_the_apphost_exits_non_zero()
    {
        using var scope = new AppHostScope();
        await using var apphost = ServiceProcess.Start("apphost", "PeerVault.AppHost", new Dictionary<string, string?>(), scope.DataRoot, Arguments(scope, "--Parameters:cluster-key=not-a-hex-key"));

        Assert.NotEqual(0, await apphost.WaitForExitAsync(TimeSpan.FromMinutes(3)));
        Assert.Contains(apphost.Lines, l => l.Contains("node1 |", StringComparison.Ordinal) && l.Contains("PEERVAULT_CLUSTER_KEY must be exactly 64 hexadecimal characters", StringComparison.Ordinal));
        Assert.Contains(apphost.Lines, l => l.Contains("demo: failed to start: Dependency 'node1' is Exited (exit code 2)", StringComparison.Ordinal));
        Assert.Contains(apphost.Lines, l => l.StartsWith("'demo' failed to start", StringComparison.Ordinal) && l.EndsWith("exiting with 1.", StringComparison.Ordinal));
        Assert.DoesNotContain(apphost.Lines, l => l.Contains("not-a-hex-key", StringComparison.Ordinal));
    }
}
