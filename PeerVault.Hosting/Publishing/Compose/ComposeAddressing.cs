using Aspire.Hosting.ApplicationModel;

namespace PeerVault.Hosting.Publishing.Compose;

/// <summary>
/// Values as compose writes them: every service reaches another by its service name on the
/// project's network, at the port the other listens on inside its container; parameters are
/// <c>${NAME:?…}</c> references to the environment or <c>.env</c>.
/// </summary>
internal sealed class ComposeAddressing(PublishedApplication application) : IValueAddressing
{
    private readonly List<RequiredVariable> _variables = [];

    /// <summary>The variables the rendered values refer to, in the order first referred to.</summary>
    public IReadOnlyList<RequiredVariable> Variables => _variables;

    public static string ServiceName(IResource resource) => resource.Name.ToLowerInvariant();

    public string Endpoint(EndpointReference endpoint, EndpointProperty property)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var target = application[endpoint.Resource];
        var published = target.Endpoints.Single(e => e.Name == endpoint.EndpointName);
        return published.Property(property, ServiceName(target.Resource), endpoint.Resource.Name);
    }

    public string Parameter(ParameterResource parameter) => Require(RequiredVariable.For(parameter));

    /// <summary>Compose substitutes <c>$NAME</c> and <c>${NAME}</c> everywhere; <c>$$</c> is a literal '$'.</summary>
    public string Literal(string text) => text.Replace("$", "$$", StringComparison.Ordinal);

    public string Require(RequiredVariable variable)
    {
        if (!_variables.Any(v => v.Name == variable.Name))
        {
            _variables.Add(variable);
        }

        return variable.ComposeReference;
    }
}
