using System.Diagnostics;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.AppHost;

/// <summary>The real AppHost, its three node processes and the demo, driven through the testing builder.</summary>
[Collection(nameof(AppHostSerial))]
public sealed class AppHostTests
{
    private static readonly string[] NodeNames = ["node1", "node2", "node3"];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_demo_stores_and_fetches_twenty_files_and_disposing_the_app_leaves_no_process_behind()
    {
        using var scope = new AppHostScope();
        var pids = new List<int>();
        await using (var app = await AppHostRunner.StartAsync(scope))
        {
            await AppHostRunner.WaitForNodesAsync(app);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            timeout.CancelAfter(TimeSpan.FromMinutes(2));
            var demo = await app.ResourceNotifications.WaitForResourceAsync("demo", s => KnownResourceStates.IsTerminal(s.State), timeout.Token);

            Assert.Equal(KnownResourceStates.Finished, demo.State);
            Assert.Equal(0, demo.ExitCode);
            var output = app.ResourceLogs.GetLines("demo").Select(l => l.Text).ToList();
            Assert.Equal(21, output.Count(l => l.StartsWith("ok  ", StringComparison.Ordinal)));
            Assert.Contains(output, l => l.Contains("All 21 files round-tripped", StringComparison.Ordinal));

            // Separate processes that found each other through the injected service-discovery names.
            var nodes = NodeNames.Select(app.ResourceNotifications.Get).ToList();
            Assert.Equal(3, nodes.Select(n => n.ProcessId).Distinct().Count());
            foreach (var node in nodes)
            {
                pids.Add(node.ProcessId!.Value);
                Assert.Contains(node.Environment, e => e.Name == "services__node1__tcp__0" || node.Name == "node1");
                Assert.Contains(node.Environment, e => e.Name == "PEERVAULT_CLUSTER_KEY" && e.IsSecret && !e.Value.Any(char.IsAsciiHexDigit));
                var view = await app.CreateHttpClient(node.Name).GetJsonAsync("/v1/cluster");
                Assert.Equal(2, view.GetProperty("peers").EnumerateArray().Count(p => p.GetProperty("state").GetString() == "connected"));
            }

            pids.Add(demo.ProcessId!.Value);
        }

        foreach (var pid in pids)
        {
            Assert.False(IsAlive(pid), $"process {pid} outlived the application");
        }
    }

    [Fact]
    public async Task With_node1_stopped_writes_still_succeed_and_node1_rejoins_when_started_again()
    {
        using var scope = new AppHostScope();
        await using var app = await AppHostRunner.StartAsync(scope);
        await AppHostRunner.WaitForNodesAsync(app);

        var stopped = await app.ResourceCommands.ExecuteCommandAsync("node1", KnownResourceCommands.StopCommand, Ct);
        Assert.True(stopped.Success, stopped.ErrorMessage);
        Assert.Equal(KnownResourceStates.Exited, app.ResourceNotifications.Get("node1").State);

        using var node3 = app.CreateHttpClient("node3");
        using var node2 = app.CreateHttpClient("node2");
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

        var started = await app.ResourceCommands.ExecuteCommandAsync("node1", KnownResourceCommands.StartCommand, Ct);
        Assert.True(started.Success, started.ErrorMessage);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        await app.ResourceNotifications.WaitForResourceHealthyAsync("node1", timeout.Token);

        // It rejoins: both peers see it connected again, and it serves what was written without it.
        await Poll.UntilAsync(
            async () =>
            {
                var view = await node2.GetJsonAsync("/v1/cluster");
                return view.GetProperty("peers").EnumerateArray().Any(p => p.GetProperty("name").GetString() == "node1" && p.GetProperty("state").GetString() == "connected");
            },
            "node2 sees node1 connected again");
        using var node1 = app.CreateHttpClient("node1");
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
            firstKey = Parameter(first, "cluster-key");
            firstToken = Parameter(first, "auth-token");
            Assert.Equal(64, firstKey.Length);
            Assert.True(firstToken.Length >= 22);
            var keyIds = new List<string>();
            foreach (var node in NodeNames)
            {
                keyIds.Add((await first.CreateHttpClient(node).GetJsonAsync("/v1/cluster")).GetProperty("node").GetProperty("keyId").GetString()!);
            }

            keyId = Assert.Single(keyIds.Distinct());
            await first.CreateHttpClient("node1").PutObjectAsync("kept-across-runs.txt", "written in run one"u8.ToArray());
        }

        await using var second = await AppHostRunner.StartAsync(scope);
        await AppHostRunner.WaitForNodesAsync(second);
        Assert.Equal(firstKey, Parameter(second, "cluster-key"));
        Assert.Equal(firstToken, Parameter(second, "auth-token"));
        Assert.Equal(keyId, (await second.CreateHttpClient("node3").GetJsonAsync("/v1/cluster")).GetProperty("node").GetProperty("keyId").GetString());
        Assert.Equal("written in run one"u8.ToArray(), await second.CreateHttpClient("node2").GetObjectAsync("kept-across-runs.txt"));
    }

    private static string Parameter(DistributedApplication app, string name)
        => app.Resources.OfType<ParameterResource>().Single(p => p.Name == name).Value;

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

}

[CollectionDefinition(nameof(AppHostSerial), DisableParallelization = true)]
public sealed class AppHostSerial;
