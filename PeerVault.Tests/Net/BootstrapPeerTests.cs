using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.ServiceDiscovery;
using PeerVault.Node.Hosting;
using PeerVault.Node.Net;
using PeerVault.Node.Security;

namespace PeerVault.Tests.Net;

/// <summary>
/// Which peers a node starts from: PEERVAULT_BOOTSTRAP entries and Aspire's service-discovery
/// entries, as <see cref="NodeSettings.Bootstrap"/> reads them and <see cref="BootstrapPeer"/> resolves them.
/// </summary>
[Trait("Category", "Unit")]
public sealed class BootstrapPeerTests
{
    [Fact]
    public void Host_port_entries_are_read_in_order_with_spaces_empty_entries_and_ipv6_brackets_tolerated()
    {
        var peers = NodeSettings.Bootstrap(Configuration(("PEERVAULT_BOOTSTRAP", " node2:7002,,10.0.0.3:7003 ,[::1]:7004")), "node1");

        Assert.Equal(
            [BootstrapPeer.FromAddress("node2", 7002), BootstrapPeer.FromAddress("10.0.0.3", 7003), BootstrapPeer.FromAddress("::1", 7004)],
            peers);
    }

    [Fact]
    public void A_tcp_url_in_the_bootstrap_list_is_its_host_and_port()
    {
        // What service discovery and the compose file write (tcp://node2:7000); before, the scheme became part of the host name.
        var peers = NodeSettings.Bootstrap(Configuration(("PEERVAULT_BOOTSTRAP", "tcp://node2:7000,TCP://node3:7000")), "node1");

        Assert.Equal([BootstrapPeer.FromAddress("node2", 7000), BootstrapPeer.FromAddress("node3", 7000)], peers);
    }

    [Fact]
    public void Service_discovery_names_every_other_node_with_a_tcp_endpoint_and_never_this_one()
    {
        var peers = NodeSettings.Bootstrap(
            Configuration(
                ("services:node1:tcp:0", "tcp://localhost:7001"),
                ("services:node2:tcp:0", "tcp://localhost:7002"),
                ("services:NODE3:tcp:0", "tcp://localhost:7003"),
                ("services:demo:http:0", "http://localhost:5000"),
                ("services:node4:tcp:0", " ")),
            "Node1");

        Assert.Equal([BootstrapPeer.FromService("node2"), BootstrapPeer.FromService("NODE3")], peers);
    }

    [Fact]
    public void Service_discovery_and_listed_addresses_add_up()
    {
        var peers = NodeSettings.Bootstrap(Configuration(("services:node2:tcp:0", "tcp://localhost:7002"), ("PEERVAULT_BOOTSTRAP", "node3:7003")), "node1");

        Assert.Equal([BootstrapPeer.FromService("node2"), BootstrapPeer.FromAddress("node3", 7003)], peers);
    }

    [Theory]
    [InlineData("node2")]
    [InlineData("node2:")]
    [InlineData(":7000")]
    [InlineData("node2:0")]
    [InlineData("node2:65536")]
    [InlineData("node2:+7000")]
    [InlineData("node2:7000,node3")]
    [InlineData("http://node2:7000")]
    public void A_bad_entry_is_refused_naming_the_variable_and_the_entry(string listed)
    {
        var refusal = Assert.Throws<NodeConfigurationException>(() => NodeSettings.Bootstrap(Configuration(("PEERVAULT_BOOTSTRAP", listed)), "node1"));

        Assert.Contains("PEERVAULT_BOOTSTRAP", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("is not host:port", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_ip_address_is_dialed_as_it_is()
    {
        var addresses = await BootstrapPeer.FromAddress("10.0.0.3", 7003).ResolveAsync(Resolver(Configuration()), TestContext.Current.CancellationToken);

        Assert.Equal([new DnsEndPoint("10.0.0.3", 7003)], addresses);
    }

    [Fact]
    public async Task A_service_name_resolves_to_the_tcp_endpoint_service_discovery_gives_it()
    {
        var resolver = Resolver(Configuration(("services:node2:tcp:0", "tcp://127.0.0.1:7002")));

        var addresses = await BootstrapPeer.FromService("node2").ResolveAsync(resolver, TestContext.Current.CancellationToken);

        Assert.Equal([new DnsEndPoint("127.0.0.1", 7002)], addresses.Select(a => new DnsEndPoint(a.Host, a.Port)));
    }

    [Fact]
    public async Task A_service_name_without_a_tcp_endpoint_is_an_io_error_the_dialer_skips()
    {
        var resolver = Resolver(Configuration(("services:node2:http:0", "http://127.0.0.1:5002")));

        var failure = await Assert.ThrowsAnyAsync<Exception>(() => BootstrapPeer.FromService("node2").ResolveAsync(resolver, TestContext.Current.CancellationToken));

        // MembershipService skips a bootstrap peer that fails with one of these and tries it again on its next round.
        Assert.True(failure is IOException or InvalidOperationException, $"{failure.GetType().Name}: {failure.Message}");
    }

    private static IConfiguration Configuration(params (string Key, string Value)[] values)
        => new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build();

    private static ServiceEndpointResolver Resolver(IConfiguration configuration)
        => new ServiceCollection()
            .AddSingleton(configuration)
            .AddLogging()
            .AddServiceDiscovery()
            .BuildServiceProvider()
            .GetRequiredService<ServiceEndpointResolver>();
}
