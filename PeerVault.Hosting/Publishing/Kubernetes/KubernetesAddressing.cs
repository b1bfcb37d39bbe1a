using Aspire.Hosting.ApplicationModel;

namespace PeerVault.Hosting.Publishing.Kubernetes;

/// <summary>
/// Values as Kubernetes writes them. A cluster member is reached at its own pod's DNS name
/// (<c>node1</c> → <c>peervault-0.peervault</c>), so a reference to one particular member keeps
/// meaning that member; any other resource is reached through its Service. Parameters come from
/// the parameters Secret: a variable that is nothing but a parameter reads it with
/// <c>secretKeyRef</c> (see <see cref="KubernetesEnvironment"/>), and a parameter inside a longer
/// value is spliced in as <c>$(VAR)</c>, which the kubelet expands from an earlier variable.
/// </summary>
internal sealed class KubernetesAddressing(PublishedApplication application, IReadOnlyList<ClusterLayout> clusters) : IValueAddressing
{
    private readonly List<RequiredVariable> _variables = [];

    /// <summary>The variables the rendered values refer to, in the order first referred to.</summary>
    public IReadOnlyList<RequiredVariable> Variables => _variables;

    /// <summary>Parameters a value splices in, which the container must define before that value.</summary>
    public List<RequiredVariable> Spliced { get; } = [];

    public static string ServiceName(IResource resource) => PublishingSettings.KubernetesName(resource.Name);

    public string Host(PublishedService service)
        => clusters.FirstOrDefault(c => c.Contains(service)) is { } cluster
            ? cluster.PodHost(service.Member!.Ordinal)
            : ServiceName(service.Resource);

    public string Endpoint(EndpointReference endpoint, EndpointProperty property)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var target = application[endpoint.Resource];
        var published = target.Endpoints.Single(e => e.Name == endpoint.EndpointName);
        return published.Property(property, Host(target), endpoint.Resource.Name);
    }

    public string Parameter(ParameterResource parameter)
    {
        var variable = Require(RequiredVariable.For(parameter));
        if (!Spliced.Contains(variable))
        {
            Spliced.Add(variable);
        }

        return $"$({SplicedName(variable)})";
    }

    /// <summary>The kubelet expands <c>$(NAME)</c> in env values, commands and arguments; <c>$$</c> is a literal '$'.</summary>
    public string Literal(string text) => text.Replace("$", "$$", StringComparison.Ordinal);

    /// <summary>The helper variable a spliced parameter is read into.</summary>
    public static string SplicedName(RequiredVariable variable) => $"PARAMETER_{variable.Name}";

    public RequiredVariable Require(RequiredVariable variable)
    {
        var known = _variables.FirstOrDefault(v => v.Name == variable.Name);
        if (known is null)
        {
            _variables.Add(variable);
        }

        return known ?? variable;
    }
}
