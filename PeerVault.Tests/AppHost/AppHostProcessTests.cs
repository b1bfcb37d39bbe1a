using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.AppHost;

/// <summary>
/// The AppHost as its own OS process, the way a user, a script or CI runs it (<c>dotnet
/// PeerVault.AppHost.dll</c> with the environment the http launch profile gives <c>dotnet run</c>).
/// </summary>
[Collection(nameof(AppHostSerial))]
[Trait("Category", "Distributed")]
public sealed class AppHostProcessTests
{
    /// <summary>What the http launch profile sets, on ports of this test's own.</summary>
    internal static Dictionary<string, string?> LaunchEnvironment() => new()
    {
        ["DOTNET_ENVIRONMENT"] = "Development",
        ["ASPNETCORE_ENVIRONMENT"] = "Development",
        ["ASPNETCORE_URLS"] = $"http://localhost:{FreePort.Next()}",
        ["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"] = $"http://localhost:{FreePort.Next()}",
        ["ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL"] = $"http://localhost:{FreePort.Next()}",
        ["ASPIRE_ALLOW_UNSECURED_TRANSPORT"] = "true",
    };

    [Fact]
    public async Task Exit_after_demo_runs_the_application_prints_the_demos_summary_and_exits_with_its_code()
    {
        using var scope = new AppHostScope();
        await using var apphost = ServiceProcess.Start("apphost", "PeerVault.AppHost", LaunchEnvironment(), scope.DataRoot, ["--exit-after", "demo", .. scope.Arguments]);

        Assert.Equal(0, await apphost.WaitForExitAsync(TimeSpan.FromMinutes(3)));
        Assert.Contains(apphost.Lines, l => l.Contains("Login to the dashboard at http://localhost:", StringComparison.Ordinal));
        Assert.Equal(21, apphost.Lines.Count(l => l.StartsWith("demo | ok   ", StringComparison.Ordinal)));
        Assert.Contains(apphost.Lines, l => l.StartsWith("demo | All 21 files round-tripped through 3 node(s)", StringComparison.Ordinal));
        Assert.Contains(apphost.Lines, l => l.Contains("'demo' Finished with exit code 0", StringComparison.Ordinal));
        foreach (var node in AppHostRunner.Nodes)
        {
            Assert.Contains(apphost.Lines, l => l.Contains($"{node} keeps its data in {Path.Combine(scope.DataRoot, node)}", StringComparison.Ordinal));
        }

        await Poll.UntilAsync(() => scope.LiveProcesses().Count == 0, "no node process outlives the AppHost", TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task An_invalid_cluster_key_stops_the_nodes_the_demo_never_starts_and_the_key_is_never_printed()
    {
        using var scope = new AppHostScope();
        await using var apphost = ServiceProcess.Start("apphost", "PeerVault.AppHost", LaunchEnvironment(), scope.DataRoot, ["--exit-after", "demo", .. scope.Arguments, "--Parameters:cluster-key=not-a-hex-key"]);

        Assert.Equal(1, await apphost.WaitForExitAsync(TimeSpan.FromMinutes(2)));
        Assert.Contains(apphost.Lines, l => l.StartsWith("node1 | peervault-node: configuration error: PEERVAULT_CLUSTER_KEY must be exactly 64 hexadecimal characters", StringComparison.Ordinal));
        Assert.Contains(apphost.Lines, l => l.Contains("'demo' cannot start: it waits for 'node", StringComparison.Ordinal));
        Assert.DoesNotContain(apphost.Lines, l => l.Contains("   at ", StringComparison.Ordinal));
        Assert.DoesNotContain(apphost.Lines, l => l.Contains("not-a-hex-key", StringComparison.Ordinal));
        await Poll.UntilAsync(() => scope.LiveProcesses().Count == 0, "no node process outlives the AppHost", TimeSpan.FromSeconds(30));
    }

    [Theory]
    [InlineData("--nodes", "0", "--nodes must be a whole number from 1 to 16")]
    [InlineData("--publisher", "nonsense", "Unknown publisher 'nonsense'. Use one of: manifest, docker-compose, kubernetes")]
    public async Task Bad_arguments_are_refused_at_once_with_one_line_that_says_why(string option, string value, string message)
    {
        using var scope = new AppHostScope();
        await using var apphost = ServiceProcess.Start("apphost", "PeerVault.AppHost", LaunchEnvironment(), scope.DataRoot, [option, value, .. scope.Arguments]);

        Assert.Equal(2, await apphost.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains(apphost.Lines, l => l.StartsWith(message, StringComparison.Ordinal));
        Assert.DoesNotContain(apphost.Lines, l => l.Contains("   at ", StringComparison.Ordinal));
        Assert.Empty(scope.LiveProcesses());
    }

    [Theory]
    [InlineData("INT")]
    [InlineData("KILL")]
    public async Task Stopping_the_apphost_with_ctrl_c_or_killing_it_leaves_no_node_process(string signal)
    {
        using var scope = new AppHostScope();
        await using var apphost = ServiceProcess.Start("apphost", "PeerVault.AppHost", LaunchEnvironment(), scope.DataRoot, scope.Arguments);
        await apphost.WaitForLineAsync("demo \\| All 21 files round-tripped", TimeSpan.FromMinutes(3));
        Assert.True(scope.LiveProcesses().Count >= 3, "three node processes are running");

        ProcessTable.Signal(apphost.Id, signal);
        await apphost.WaitForExitAsync(TimeSpan.FromSeconds(30));

        // Aspire's orchestrator watches the AppHost's pid and stops every resource once it is gone.
        await Poll.UntilAsync(() => scope.LiveProcesses().Count == 0, $"no node process outlives an AppHost stopped with SIG{signal}", TimeSpan.FromSeconds(60));
    }
}
