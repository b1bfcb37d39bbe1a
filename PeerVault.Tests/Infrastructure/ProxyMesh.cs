using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;

namespace PeerVault.Tests.Infrastructure;

/// <summary>
/// A network between nodes that a test can cut: one <see cref="FaultProxy"/> per directed pair
/// (node1→node2 is the path node1 dials node2 on). Each node's service-discovery entry for a peer
/// (<c>services__node2__tcp__0</c>, and <c>NODE2_TCP</c>) is pointed at its proxy, whose target is
/// the peer's real P2P endpoint (<c>tcp</c>), looked up when a connection is made.
/// </summary>
public sealed class ProxyMesh : IAsyncDisposable
{
    private readonly Dictionary<(string From, string To), FaultProxy> _proxies = [];
    private readonly Dictionary<string, EndpointReference> _endpoints = [];

    public ProxyMesh(IReadOnlyList<string> nodes)
    {
        Nodes = nodes;
        foreach (var from in nodes)
        {
            foreach (var to in nodes.Where(n => n != from))
            {
                _proxies[(from, to)] = new FaultProxy($"{from}→{to}", () => Target(to));
            }
        }
    }

    public IReadOnlyList<string> Nodes { get; }

    /// <summary>The path <paramref name="from"/> dials <paramref name="to"/> on.</summary>
    public FaultProxy this[string from, string to] => _proxies[(from, to)];

    public IReadOnlyCollection<FaultProxy> All => _proxies.Values;

    /// <summary>Points every node's service discovery for each peer at the proxy of that pair; call before BuildAsync.</summary>
    public void Route(IDistributedApplicationTestingBuilder builder)
    {
        foreach (var from in Nodes)
        {
            var resource = builder.Resources.OfType<ProjectResource>().Single(r => r.Name == from);
            _endpoints[from] = resource.GetEndpoint("tcp");

            // Environment callbacks run in order: this one, added after the AppHost's references, wins.
            builder.CreateResourceBuilder(resource).WithEnvironment(context =>
            {
                foreach (var to in Nodes.Where(n => n != from))
                {
                    var address = this[from, to].Address;
                    context.EnvironmentVariables[$"services__{to}__tcp__0"] = address;
                    context.EnvironmentVariables[$"{to.ToUpperInvariant()}_TCP"] = address;
                }
            });
        }
    }

    /// <summary>Sets both directions of every pair with one node on each side.</summary>
    public void Cut(IEnumerable<string> side, IEnumerable<string> otherSide, FaultMode mode)
    {
        var others = otherSide.ToList();
        foreach (var a in side)
        {
            foreach (var b in others)
            {
                this[a, b].SetMode(mode);
                this[b, a].SetMode(mode);
            }
        }
    }

    public void Heal()
    {
        foreach (var proxy in All)
        {
            proxy.SetMode(FaultMode.Forward);
        }
    }

    public override string ToString() => string.Join("; ", All.Select(p => p.ToString()));

    public async ValueTask DisposeAsync()
    {
        foreach (var proxy in All)
        {
            await proxy.DisposeAsync();
        }
    }

    /// <summary>The peer's real P2P endpoint, as the orchestrator allocated it (the same across the node's restarts).</summary>
    private Uri Target(string node)
        => _endpoints.TryGetValue(node, out var endpoint) && endpoint.IsAllocated
            ? new Uri(endpoint.Url)
            : throw new InvalidOperationException($"{node}'s tcp endpoint is not allocated yet.");
}
