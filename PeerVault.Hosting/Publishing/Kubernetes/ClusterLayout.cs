using Aspire.Hosting;

namespace PeerVault.Hosting.Publishing.Kubernetes;

/// <summary>
/// The members of one PeerVault cluster as Kubernetes runs them: one StatefulSet named after the
/// cluster whose pod <c>{cluster}-{ordinal}</c> is member <c>ordinal</c>, each reachable at
/// <c>{cluster}-{ordinal}.{cluster}</c> through the headless Service of the same name. The members
/// share one pod template, taken from member 0; replicas default to the declared member count
/// and can be scaled, because members find each other through the headless Service's DNS name.
/// </summary>
internal sealed class ClusterLayout
{
    private ClusterLayout(string name, IReadOnlyList<PublishedService> members, PublishedEndpoint peerEndpoint)
    {
        Name = name;
        Members = members;
        PeerEndpoint = peerEndpoint;
    }

    /// <summary>The StatefulSet, its headless Service and its PodDisruptionBudget.</summary>
    public string Name { get; }

    /// <summary>Ordered by ordinal; <c>Members[0]</c> is the pod template.</summary>
    public IReadOnlyList<PublishedService> Members { get; }

    public PublishedService Template => Members[0];

    public int Replicas => Members.Count;

    /// <summary>The endpoint members dial each other on: the one the node reads its port for from <see cref="NodeEnvironment.P2PPort"/>.</summary>
    public PublishedEndpoint PeerEndpoint { get; }

    /// <summary>The Service clients (the demo, an ingress) reach the members' HTTP API through.</summary>
    public string ClientServiceName(PublishedEndpoint endpoint) => $"{Name}-{PublishingSettings.KubernetesName(endpoint.Name)}";

    /// <summary>The stable DNS name of member <paramref name="ordinal"/>'s pod, inside the namespace.</summary>
    public string PodHost(int ordinal) => $"{Name}-{ordinal}.{Name}";

    public bool Contains(PublishedService service) => Members.Contains(service);

    public static IReadOnlyList<ClusterLayout> Of(PublishedApplication application)
    {
        ArgumentNullException.ThrowIfNull(application);
        var layouts = new List<ClusterLayout>();
        foreach (var group in application.Services.Where(s => s.Member is not null).GroupBy(s => s.Member!.Cluster))
        {
            var members = group.OrderBy(s => s.Member!.Ordinal).ToList();
            var template = members[0];
            if (!members.Select(m => m.Member!.Ordinal).SequenceEqual(Enumerable.Range(0, members.Count)) || members.Any(m => m.Member!.Members != members.Count))
            {
                throw new DistributedApplicationException($"Cluster '{group.Key}' must declare members 0..{members.Count - 1} exactly once to become one StatefulSet; it has {string.Join(", ", members.Select(m => $"{m.Name}={m.Member!.Ordinal}/{m.Member.Members}"))}.");
            }

            if (members.Any(m => m.Image != template.Image || !m.Endpoints.SequenceEqual(template.Endpoints)))
            {
                throw new DistributedApplicationException($"The members of cluster '{group.Key}' must share one image and one set of endpoints to share a pod template.");
            }

            layouts.Add(new ClusterLayout(PublishingSettings.KubernetesName(group.Key), members, PeerEndpointOf(template)));
        }

        return layouts;
    }

    private static PublishedEndpoint PeerEndpointOf(PublishedService member)
    {
        var port = member.Environment.FirstOrDefault(e => e.Key == NodeEnvironment.P2PPort).Value;
        var endpoint = port is null ? null : ValueRenderer.Endpoints(port).FirstOrDefault(e => e.Resource == member.Resource);
        return member.Endpoints.FirstOrDefault(e => e.Name == endpoint?.EndpointName)
            ?? throw new DistributedApplicationException($"'{member.Name}' sets no {NodeEnvironment.P2PPort} from one of its endpoints, so its peers cannot be told which port to dial.");
    }
}
