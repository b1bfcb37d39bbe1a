using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using PeerVault.Hosting;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.AppHost;

/// <summary>The real AppHost, its three node processes and the demo, run by Aspire's orchestrator under the testing builder.</summary>
[Collection(nameof(AppHostSerial))]
[Trait("Category", "Distributed")]
public sealed class AppHostTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_demo_round_trips_its_files_through_three_node_processes_that_found_each_other_and_nothing_outlives_the_app()
    {
        using var scope = new AppHostScope();
        await using (var app = await AppHostRunner.StartAsync(scope))
        {
            await AppHostRunner.WaitForNodesAsync(app);
            var demo = await AppHostRunner.WaitForEndAsync(app, "demo", TimeSpan.FromMinutes(2));
            var output = await AppHostRunner.OutputAsync(app, "demo", lines => lines.Any(l => l.Contains("round-tripped", StringComparison.Ordinal) || l.Contains("problem(s)", StringComparison.Ordinal)));

            Assert.True(demo.ExitCode == 0, string.Join('\n', output));
            Assert.Equal(KnownResourceStates.Finished, demo.State?.Text);
            Assert.Equal(21, output.Count(l => l.StartsWith("ok   ", StringComparison.Ordinal)));
            Assert.Contains(output, l => l.Contains("All 21 files round-tripped through 3 node(s)", StringComparison.Ordinal));

            // Three processes, each connected to the other two it learned about through service discovery.
            Assert.Equal(3, AppHostRunner.Nodes.Select(n => AppHostRunner.Property(app, n, "executable.pid")).Distinct().Count());
            foreach (var node in AppHostRunner.Nodes)
            {
                Assert.True(app.ResourceNotifications.TryGetCurrentState(node, out var state));
                var environment = state.Snapshot.EnvironmentVariables.Select(e => e.Name).ToHashSet();
                foreach (var peer in AppHostRunner.Nodes.Where(p => p != node))
                {
                    Assert.Contains($"services__{peer}__tcp__0", environment);
                }

                using var http = await app.CreateNodeClientAsync(node);
                var view = await http.GetJsonAsync("/v1/cluster");
                Assert.Equal(2, view.GetProperty("members").EnumerateArray().Count(m => !m.GetProperty("self").GetBoolean() && m.GetProperty("state").GetString() == "alive"));
            }

            // The operator's command in the dashboard says the same.
            var status = await app.ResourceCommands.ExecuteCommandAsync(Resource(app, "node2"), NodeCommands.ClusterStatus, Ct);
            Assert.True(status.Success, status.Message);
            Assert.StartsWith("2 of 2 peer(s) connected", status.Message, StringComparison.Ordinal);
            Assert.NotEmpty(scope.LiveProcesses());
        }

        await Poll.UntilAsync(() => scope.LiveProcesses().Count == 0, "every node process has exited after the app was disposed", TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_node_stopped_by_a_resource_command_rejoins_after_start_and_serves_what_was_written_without_it()
    {
        using var scope = new AppHostScope();
        await using var app = await AppHostRunner.StartAsync(scope);
        await AppHostRunner.WaitForNodesAsync(app);

        var stopped = await app.ResourceCommands.ExecuteCommandAsync(Resource(app, "node1"), KnownResourceCommands.StopCommand, Ct);
        Assert.True(stopped.Success, stopped.Message);
        await WaitForStateAsync(app, "node1", s => KnownResourceStates.TerminalStates.Contains(s));

        using var node3 = await app.CreateNodeClientAsync("node3");
        using var node2 = await app.CreateNodeClientAsync("node2");
        var files = Enumerable.Range(0, 5).Select(i => ($"while-node1-down/{i}.txt", DemoFiles.RandomBytes(1000 + i, seed: i))).ToList();
        foreach (var (key, content) in files)
        {
            var stored = await node3.PutObjectAsync(key, content);
            Assert.DoesNotContain("node1", stored.Replicas());
        }

        foreach (var (key, content) in files)
        {
            Assert.Equal(content, await node2.GetObjectAsync(key));
        }

        var started = await app.ResourceCommands.ExecuteCommandAsync(Resource(app, "node1"), KnownResourceCommands.StartCommand, Ct);
        Assert.True(started.Success, started.Message);
        await AppHostRunner.WaitForNodesAsync(app, ["node1"]);

        await Poll.UntilAsync(
            async () => (await node2.GetJsonAsync("/v1/cluster")).GetProperty("members").EnumerateArray()
                .Any(m => m.GetProperty("name").GetString() == "node1" && m.GetProperty("state").GetString() == "alive"),
            "node2 sees node1 connected again");
        using var node1 = await app.CreateNodeClientAsync("node1");
        foreach (var (key, content) in files)
        {
            Assert.Equal(content, await node1.GetObjectAsync(key));
        }
    }

    [Fact]
    public async Task The_generated_secrets_reach_every_node_and_are_the_same_on_the_next_run()
    {
        using var scope = new AppHostScope();
        string firstKey, firstToken, keyId;
        await using (var first = await AppHostRunner.StartAsync(scope))
        {
            await AppHostRunner.WaitForNodesAsync(first);
            firstKey = await ParameterAsync(first, "cluster-key");
            firstToken = await ParameterAsync(first, "auth-token");
            Assert.Matches("^[0-9a-f]{64}$", firstKey);
            Assert.True(firstToken.Length >= 32);
            var keyIds = new List<string>();
            foreach (var node in AppHostRunner.Nodes)
            {
                using var http = await first.CreateNodeClientAsync(node);
                keyIds.Add((await http.GetJsonAsync("/v1/cluster")).GetProperty("node").GetProperty("keyId").GetString()!);
            }

            keyId = Assert.Single(keyIds.Distinct());
            using var node1 = await first.CreateNodeClientAsync("node1");
            await node1.PutObjectAsync("kept-across-runs.txt", "written in run one"u8.ToArray());
        }

        await using var second = await AppHostRunner.StartAsync(scope);
        await AppHostRunner.WaitForNodesAsync(second);
        Assert.Equal(firstKey, await ParameterAsync(second, "cluster-key"));
        Assert.Equal(firstToken, await ParameterAsync(second, "auth-token"));
        using var node3 = await second.CreateNodeClientAsync("node3");
        Assert.Equal(keyId, (await node3.GetJsonAsync("/v1/cluster")).GetProperty("node").GetProperty("keyId").GetString());
        using var node2 = await second.CreateNodeClientAsync("node2");
        Assert.Equal("written in run one"u8.ToArray(), await node2.GetObjectAsync("kept-across-runs.txt"));
    }

    private static IResource Resource(DistributedApplication app, string name)
        => app.Services.GetRequiredService<DistributedApplicationModel>().Resources.Single(r => r.Name == name);

    private static async Task<string> ParameterAsync(DistributedApplication app, string name)
        => (await ((ParameterResource)Resource(app, name)).GetValueAsync(Ct))!;

    private static async Task WaitForStateAsync(DistributedApplication app, string resource, Func<string, bool> state)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        await app.ResourceNotifications.WaitForResourceAsync(resource, e => e.Snapshot.State?.Text is { } s && state(s), timeout.Token);
    }
}

[CollectionDefinition(nameof(AppHostSerial), DisableParallelization = true)]
public sealed class AppHostSerial;
