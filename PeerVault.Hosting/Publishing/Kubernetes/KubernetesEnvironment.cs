using Aspire.Hosting.ApplicationModel;

namespace PeerVault.Hosting.Publishing.Kubernetes;

/// <summary>An environment variable whose value Kubernetes supplies (<c>valueFrom</c>) rather than the manifest.</summary>
internal sealed record ValueFrom(YamlMap Source)
{
    /// <summary>A field of the pod itself, such as <c>metadata.name</c>.</summary>
    public static ValueFrom Field(string path) => new(new YamlMap { { "fieldRef", new YamlMap { { "fieldPath", path } } } });

    public static ValueFrom Secret(string secretName, string key) => new(new YamlMap { { "secretKeyRef", new YamlMap { { "name", secretName }, { "key", key } } } });
}

/// <summary>
/// A container's <c>env</c> list from model values: parameters read from the parameters Secret
/// (never written as values), everything else rendered through <see cref="KubernetesAddressing"/>.
/// Variables that splice a parameter into a longer value come after the helper variables holding
/// those parameters, because the kubelet only expands references to variables defined earlier.
/// </summary>
internal sealed class KubernetesEnvironment(KubernetesAddressing addressing, string secretName)
{
    /// <summary>One container's <c>env</c> and <c>args</c>, rendered together so that both may splice parameters.</summary>
    public async Task<(List<YamlMap> Env, List<string> Args)> BuildAsync(IEnumerable<KeyValuePair<string, object>> variables, IEnumerable<object> arguments, CancellationToken cancellationToken)
    {
        addressing.Spliced.Clear();
        var args = new List<string>();
        foreach (var argument in arguments)
        {
            args.Add(await ValueRenderer.RenderAsync(argument, addressing, cancellationToken));
        }

        var env = new List<YamlMap>();
        foreach (var (name, value) in variables)
        {
            env.Add(value switch
            {
                ValueFrom from => new YamlMap { { "name", name }, { "valueFrom", from.Source } },
                _ when ValueRenderer.Unwrap(value) is ParameterResource parameter => new YamlMap { { "name", name }, { "valueFrom", SecretOf(RequiredVariable.For(parameter)).Source } },
                _ => new YamlMap { { "name", name }, { "value", await ValueRenderer.RenderAsync(value, addressing, cancellationToken) } },
            });
        }

        var helpers = addressing.Spliced.Select(v => new YamlMap { { "name", KubernetesAddressing.SplicedName(v) }, { "valueFrom", ValueFrom.Secret(secretName, v.SecretKey).Source } });
        return ([.. helpers, .. env], args);
    }

    /// <summary>A reference to <paramref name="variable"/>'s key in the parameters Secret, which from now on must hold it.</summary>
    public ValueFrom SecretOf(RequiredVariable variable) => ValueFrom.Secret(secretName, addressing.Require(variable).SecretKey);
}
