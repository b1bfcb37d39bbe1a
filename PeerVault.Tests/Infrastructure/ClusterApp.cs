using System.Globalization;
using System.Net;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using PeerVault.Hosting;
using PeerVault.Tests.AppHost;

namespace PeerVault.Tests.Infrastructure;

/// <summary>How to run the AppHost for a fault test.</summary>
public sealed record ClusterAppOptions
{
    /// <summary>Short intervals, so that failure detection and anti-entropy happen within a test.</summary>
    public static readonly IReadOnlyDictionary<string, string> FastSettings = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["PEERVAULT_SYNC_INTERVAL_SECONDS"] = "2",
        ["PEERVAULT_DEAD_AFTER_SECONDS"] = "5",

        // Blobs nothing references (a lost concurrent write, a crash's leftover) go within seconds.
        ["PEERVAULT_BLOB_SWEEP_DELAY_SECONDS"] = "5",
    };

    /// <summary>node1…nodeN (<c>--nodes N</c>), started with the app.</summary>
    public int Nodes { get; init; } = 3;

    /// <summary>Environment of every node (<c>--PeerVault:NodeEnvironment:NAME=value</c>), extra nodes included.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = FastSettings;

    /// <summary>
    /// Nodes the test adds to the model, configured like the AppHost's but not started with the app
    /// (<c>WithExplicitStart</c>): name → the nodes it has service-discovery references to, which is
    /// all it knows of the cluster when it starts.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> LateNodes { get; init; } = new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>Route every directed pair of node1…nodeN through its own <see cref="FaultProxy"/>.</summary>
    public bool ProxyEveryPair { get; init; }

    public ClusterAppOptions With(string setting, string value)
        => this with { Settings = new Dictionary<string, string>(Settings, StringComparer.Ordinal) { [setting] = value } };
}

/// <summary>
/// The real AppHost with its node processes, run by Aspire's orchestrator under the testing
/// builder (<see cref="AppHostRunner"/>), with what fault tests do to it: stop and start a node by
/// resource command, SIGKILL its process, wipe its data, cut its network, and read its disk.
/// The demo client is kept from starting, so the only keys are the test's own.
/// </summary>
public sealed class ClusterApp : IAsyncDisposable
{
    private readonly AppHostScope _scope;
    private readonly Dictionary<string, HttpClient> _clients = [];

    private ClusterApp(AppHostScope scope, DistributedApplication app, IReadOnlyList<string> nodes, ProxyMesh? network, string apiKey)
    {
        _scope = scope;
        ApiKey = apiKey;
        App = app;
        Nodes = nodes;
        Network = network;
    }

    public DistributedApplication App { get; }

    /// <summary>The admin API key every node accepts.</summary>
    public string ApiKey { get; }

    /// <summary>The nodes started with the app (node1…nodeN).</summary>
    public IReadOnlyList<string> Nodes { get; }

    /// <summary>The proxies between node1…nodeN, with <see cref="ClusterAppOptions.ProxyEveryPair"/>.</summary>
    public ProxyMesh? Network { get; }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Starts the app and waits until each of its nodes serves and sees every other one alive.</summary>
    public static async Task<ClusterApp> StartAsync(ClusterAppOptions? options = null)
    {
        options ??= new ClusterAppOptions();
        var nodes = Enumerable.Range(1, options.Nodes).Select(i => $"node{i}").ToList();
        var scope = new AppHostScope();
        var network = options.ProxyEveryPair ? new ProxyMesh(nodes) : null;
        ClusterApp? cluster = null;
        try
        {
            string[] arguments =
            [
                "--nodes", options.Nodes.ToString(CultureInfo.InvariantCulture),
                .. options.Settings.Select(s => $"--PeerVault:NodeEnvironment:{s.Key}={s.Value}"),
            ];
            var app = await AppHostRunner.StartAsync(scope, builder => Configure(builder, scope, options, network), arguments);
            cluster = new ClusterApp(scope, app, nodes, network, await app.ApiKeyAsync());
            foreach (var node in nodes)
            {
                await cluster.WaitUntilServingAsync(node);
            }

            foreach (var node in nodes)
            {
                await cluster.WaitUntilSeesAsync(node, nodes.Where(n => n != node));
            }

            return cluster;
        }
        catch
        {
            if (cluster is not null)
            {
                await cluster.DisposeAsync();
            }
            else
            {
                if (network is not null)
                {
                    await network.DisposeAsync();
                }

                scope.Dispose();
            }

            throw;
        }
    }

    /// <summary>A client of the node's HTTP API (through Aspire's proxy, so it survives the node's restarts).</summary>
    public HttpClient Http(string node)
    {
        lock (_clients)
        {
            if (!_clients.TryGetValue(node, out var http))
            {
                http = App.CreateHttpClient(node, "http");
                http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", ApiKey);
                http.Timeout = TimeSpan.FromSeconds(60);
                _clients[node] = http;
            }

            return http;
        }
    }

    public IResource Resource(string node)
        => App.Services.GetRequiredService<DistributedApplicationModel>().Resources.Single(r => r.Name == node);

    public string DataDirectory(string node)
    {
        Assert.True(Resource(node).TryGetLastAnnotation<DataDirectoryAnnotation>(out var data), $"{node} has a data directory");
        return data.LocalPath;
    }

    public NodeDisk Disk(string node) => new(node, DataDirectory(node));

    /// <summary>The node's own process id (not its <c>dotnet run</c>'s).</summary>
    public int ProcessOf(string node) => NodeProcess.Find(node, DataDirectory(node));

    /// <summary>SIGKILLs the node's process and waits until the orchestrator reports the resource ended; returns the pid.</summary>
    public async Task<int> KillAsync(string node)
    {
        var pid = ProcessOf(node);
        await NodeProcess.KillAsync(node, pid);
        Log($"{node}: killed process {pid} with SIGKILL");
        await WaitUntilEndedAsync(node);
        return pid;
    }

    /// <summary>Waits until the orchestrator reports the node's resource ended (after a kill, before a start command).</summary>
    public Task WaitUntilEndedAsync(string node)
        => WaitForStateAsync(node, s => KnownResourceStates.TerminalStates.Contains(s), "has ended");

    /// <summary>Stops the node with the orchestrator's stop command (a graceful shutdown) and waits until it has ended.</summary>
    public async Task StopAsync(string node)
    {
        var stopped = await App.ResourceCommands.ExecuteCommandAsync(Resource(node), KnownResourceCommands.StopCommand, Ct);
        Assert.True(stopped.Success, $"stop {node}: {stopped.Message}");
        await WaitForStateAsync(node, s => KnownResourceStates.TerminalStates.Contains(s), "has stopped");
        await Poll.UntilAsync(() => !NodeProcess.AnyRunning(DataDirectory(node)), $"{node}'s processes have exited");
        Log($"{node}: stopped");
    }

    /// <summary>Starts a stopped, killed or not yet started node with the orchestrator's start command and waits until it serves.</summary>
    public async Task StartAsync(string node)
    {
        var started = await App.ResourceCommands.ExecuteCommandAsync(Resource(node), KnownResourceCommands.StartCommand, Ct);
        Assert.True(started.Success, $"start {node}: {started.Message}");
        await WaitUntilServingAsync(node);
        Log($"{node}: started");
    }

    /// <summary>Waits until the orchestrator reports the node running and it answers <c>/health</c>.</summary>
    public async Task WaitUntilServingAsync(string node)
    {
        await WaitForStateAsync(node, s => s == KnownResourceStates.Running, "is running", TimeSpan.FromSeconds(120));
        var http = Http(node);
        var last = "no answer yet";
        await Eventually.UntilAsync(
            async () =>
            {
                try
                {
                    using var response = await http.GetAsync("/health", Ct);
                    last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}";
                    return response.StatusCode == HttpStatusCode.OK;
                }
                catch (HttpRequestException ex)
                {
                    last = ex.Message;
                    return false;
                }
            },
            () => $"{node} answers /health with 200 (last: {last})",
            TimeSpan.FromSeconds(60));
    }

    /// <summary>Waits until <paramref name="observer"/> (<c>GET /v1/cluster</c>) reports each of <paramref name="members"/> as <paramref name="state"/>.</summary>
    public async Task WaitUntilSeesAsync(string observer, IEnumerable<string> members, Seen state = Seen.Alive, TimeSpan? timeout = null)
    {
        var expected = members.ToList();
        ClusterView? view = null;
        await Eventually.UntilAsync(
            async () =>
            {
                view = await Http(observer).ViewAsync(observer);
                return expected.All(m => view.Sees(m, state));
            },
            () => $"{observer} sees {string.Join(", ", expected)} {state.ToString().ToLowerInvariant()} (last: {view?.ToString() ?? "no answer"})",
            timeout ?? TimeSpan.FromSeconds(60));
    }

    public static void Log(string line)
    {
        try
        {
            TestContext.Current.TestOutputHelper?.WriteLine($"[{DateTime.UtcNow:HH:mm:ss.fff}] {line}");
        }
        catch (InvalidOperationException)
        {
            // After the test.
        }
    }

    public async ValueTask DisposeAsync()
    {
        lock (_clients)
        {
            foreach (var http in _clients.Values)
            {
                http.Dispose();
            }

            _clients.Clear();
        }

        await App.DisposeAsync();
        if (Network is not null)
        {
            await Network.DisposeAsync();
        }

        try
        {
            // The next test's nodes should not share two cores with this one's stragglers.
            await Poll.UntilAsync(() => _scope.LiveProcesses().Count == 0, "every node process has exited", TimeSpan.FromSeconds(30));
        }
        catch (Xunit.Sdk.TrueException ex)
        {
            Log($"{ex.Message} Still running: {string.Join(", ", _scope.LiveProcesses())}");
        }
        finally
        {
            _scope.Dispose();
        }
    }

    private static void Configure(IDistributedApplicationTestingBuilder builder, AppHostScope scope, ClusterAppOptions options, ProxyMesh? network)
    {
        // The demo stores and reads its own files through every node: not in a fault test.
        if (builder.Resources.OfType<ProjectResource>().SingleOrDefault(r => r.Name == "demo") is { } demo)
        {
            builder.CreateResourceBuilder(demo).WithExplicitStart();
        }

        IResourceBuilder<ParameterResource> Parameter(string name) => builder.CreateResourceBuilder(builder.Resources.OfType<ParameterResource>().Single(p => p.Name == name));
        var secrets = new PeerVaultSecrets(Parameter("cluster-key"), Parameter("auth-token"), Parameter("api-key"), Parameter("s3-access-key"), Parameter("s3-secret-key"));
        foreach (var (name, references) in options.LateNodes)
        {
            var node = builder.AddPeerVaultNode<Projects.PeerVault_Node>(name, secrets, Path.Combine(scope.DataRoot, name))
                .WithExplicitStart();
            foreach (var (variable, value) in options.Settings)
            {
                node.WithEnvironment(variable, value);
            }

            foreach (var peer in references)
            {
                node.WithReference(builder.CreateResourceBuilder(builder.Resources.OfType<ProjectResource>().Single(r => r.Name == peer)));
            }
        }

        network?.Route(builder);
    }

    private async Task WaitForStateAsync(string node, Func<string, bool> state, string what, TimeSpan? timeout = null)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await App.ResourceNotifications.WaitForResourceAsync(node, e => e.Snapshot.State?.Text is { } s && state(s), deadline.Token);
        }
        catch (OperationCanceledException) when (!Ct.IsCancellationRequested)
        {
            var current = App.ResourceNotifications.TryGetCurrentState(node, out var snapshot) ? snapshot.Snapshot.State?.Text : "unknown";
            Assert.Fail($"Timed out waiting until {node} {what}; the orchestrator reports it {current}.");
        }
    }
}
