using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PeerVault.Node.Hosting;
using PeerVault.Node.Net;
using PeerVault.Node.Storage;

namespace PeerVault.Tests.Infrastructure;

/// <summary>
/// A real node (Kestrel on a loopback port, P2P listener on another, files in a temp folder)
/// running inside the test process. Built by the same <see cref="NodeApplication.Build"/> as the
/// node executable.
/// </summary>
public sealed class TestNode : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestNode(string name, string dataDirectory, WebApplication app, CapturedLogs logs, Uri baseAddress, string? apiKey)
    {
        Name = name;
        DataDirectory = dataDirectory;
        _app = app;
        Logs = logs;
        Http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromMinutes(2) };
        if (!string.IsNullOrEmpty(apiKey))
        {
            Http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", apiKey);
        }
    }

    /// <summary>A client of this node's HTTP API that sends no API key.</summary>
    public HttpClient Anonymous() => new() { BaseAddress = Http.BaseAddress, Timeout = Http.Timeout };

    public string Name { get; }

    public string DataDirectory { get; }

    public CapturedLogs Logs { get; }

    public HttpClient Http { get; }

    public IServiceProvider Services => _app.Services;

    public int P2PPort => Services.GetRequiredService<PeerConnections>().ListenEndPoint.Port;

    public PeerConnections Peers => Services.GetRequiredService<PeerConnections>();

    public ObjectStore Store => Services.GetRequiredService<ObjectStore>();

    /// <summary>Starts a node; <paramref name="time"/> gives it its own wall clock (e.g. a <see cref="SkewedClock"/>).</summary>
    public static async Task<TestNode> StartAsync(string name, string dataDirectory, ClusterSecrets secrets, IEnumerable<int>? bootstrapPorts = null, IDictionary<string, string?>? settings = null, TimeProvider? time = null)
    {
        var configuration = new Dictionary<string, string?>
        {
            [NodeSettings.NodeNameVariable] = name,
            [NodeSettings.DataDirectoryVariable] = dataDirectory,
            [NodeSettings.P2PPortVariable] = "0",
            [NodeSettings.BootstrapVariable] = string.Join(',', (bootstrapPorts ?? []).Select(p => $"127.0.0.1:{p}")),
        };
        foreach (var (key, value) in secrets.Environment())
        {
            configuration[key] = value;
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        var logs = new CapturedLogs(name);
        var app = NodeApplication.Build([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(configuration);
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            builder.Logging.SetMinimumLevel(LogLevel.Debug);
            builder.Logging.AddProvider(logs);
        }, time);
        await app.StartAsync(TestContext.Current.CancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new TestNode(name, dataDirectory, app, logs, new Uri(address), configuration.GetValueOrDefault("PEERVAULT_API_KEY"));
    }

    /// <summary>Waits until this node has an authenticated session with <paramref name="count"/> peers.</summary>
    public Task WaitForPeersAsync(int count, TimeSpan? timeout = null)
        => Poll.UntilAsync(() => Peers.Connected.Count >= count, $"{Name} has {count} connected peers", timeout);

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}
