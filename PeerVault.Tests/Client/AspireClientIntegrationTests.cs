using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using PeerVault.Client;
using PeerVault.Tests.Cli;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Client;

/// <summary><c>builder.AddPeerVaultClient("peervault")</c> as a service uses it: configuration in, a working client and a health check out.</summary>
[Trait("Category", "InProcess")]
public sealed class AspireClientIntegrationTests(CliCluster cli) : IClassFixture<CliCluster>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string Endpoints(params string[] extra) => string.Join(',', cli.Cluster.Nodes.Select(n => n.Http.BaseAddress!.ToString().TrimEnd('/')).Concat(extra));

    private static IHost Build(Dictionary<string, string?> configuration, Action<HostApplicationBuilder> add)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(configuration);
        add(builder);
        return builder.Build();
    }

    private static async Task<HealthReport> HealthAsync(IHost host)
        => await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(Ct);

    [Fact]
    public async Task The_connection_string_gives_a_client_that_stores_and_reads_and_a_healthy_check()
    {
        using var host = Build(
            new() { ["ConnectionStrings:peervault"] = $"Endpoints={Endpoints()};Key={cli.Cluster.Secrets.ApiKey}" },
            b => b.AddPeerVaultClient("peervault"));

        var client = host.Services.GetRequiredService<PeerVaultClient>();
        await client.PutAsync("integration/hello.txt", "hello"u8.ToArray(), Ct);
        await using (var read = await client.GetAsync("integration/hello.txt", cancellationToken: Ct))
        {
            using var reader = new StreamReader(read.Content);
            Assert.Equal("hello", await reader.ReadToEndAsync(Ct));
        }

        var report = await HealthAsync(host);
        Assert.Equal(HealthStatus.Healthy, report.Entries["PeerVault"].Status);
    }

    [Fact]
    public async Task A_closed_endpoint_degrades_the_check_and_a_wrong_key_fails_it()
    {
        var closed = $"http://127.0.0.1:{FreePort.Next()}";
        using var partly = Build(
            new() { ["ConnectionStrings:peervault"] = $"Endpoints={Endpoints(closed)};Key={cli.Cluster.Secrets.ApiKey}" },
            b => b.AddPeerVaultClient("peervault"));
        var degraded = (await HealthAsync(partly)).Entries["PeerVault"];
        Assert.Equal(HealthStatus.Degraded, degraded.Status);
        Assert.Contains("unreachable", degraded.Data[closed].ToString(), StringComparison.Ordinal);

        using var wrongKey = Build(
            new() { ["ConnectionStrings:peervault"] = $"Endpoints={Endpoints()};Key=not-the-key-at-all-0000" },
            b => b.AddPeerVaultClient("peervault"));
        var unhealthy = (await HealthAsync(wrongKey)).Entries["PeerVault"];
        Assert.Equal(HealthStatus.Unhealthy, unhealthy.Status);
        Assert.Contains("API key", unhealthy.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void Settings_bind_from_the_aspire_section_and_the_named_section_overrides_them()
    {
        using var host = Build(
            new()
            {
                ["Aspire:PeerVault:Client:ConnectionString"] = "Endpoints=http://localhost:1;Key=from-settings-key",
                ["Aspire:PeerVault:Client:DisableHealthChecks"] = "true",
                ["Aspire:PeerVault:Client:ResponseTimeout"] = "00:00:03",
                ["Aspire:PeerVault:Client:archive:ResponseTimeout"] = "00:00:07",
            },
            b =>
            {
                b.AddPeerVaultClient("peervault");
                b.AddKeyedPeerVaultClient("archive");
            });

        Assert.Equal(TimeSpan.FromSeconds(3), host.Services.GetRequiredService<PeerVaultClient>().ResponseTimeout);
        Assert.Equal(TimeSpan.FromSeconds(7), host.Services.GetRequiredKeyedService<PeerVaultClient>("archive").ResponseTimeout);
        Assert.Empty(host.Services.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value.Registrations);
    }

    [Fact]
    public void Without_a_connection_string_the_client_says_where_it_looked()
    {
        using var host = Build([], b => b.AddPeerVaultClient("peervault"));

        var error = Assert.Throws<InvalidOperationException>(() => host.Services.GetRequiredService<PeerVaultClient>());
        Assert.Contains("ConnectionStrings:peervault", error.Message, StringComparison.Ordinal);
    }
}
