using System.Globalization;
using Aspire.Hosting.ApplicationModel;

namespace PeerVault.Hosting.Publishing;

/// <summary>How one platform writes the two kinds of value that are not text: an address of a resource's endpoint, and a parameter.</summary>
internal interface IValueAddressing
{
    /// <summary>A property (URL, host, port…) of <paramref name="endpoint"/> as another container on the platform reaches it.</summary>
    string Endpoint(EndpointReference endpoint, EndpointProperty property);

    /// <summary>A reference to the parameter's value, which the platform fills in at deployment.</summary>
    string Parameter(ParameterResource parameter);

    /// <summary>Text from the model, escaped so that the platform's own substitution (<c>${X}</c>, <c>$(X)</c>) leaves it as it is.</summary>
    string Literal(string text);
}

/// <summary>
/// Turns the values an environment callback produces into text for a platform, value kind by value
/// kind as Aspire's Docker publisher does: strings as they are, endpoints and endpoint properties
/// through <see cref="IValueAddressing"/>, parameters as references (never their values),
/// expressions by rendering each part. A value of a kind it does not know stops publishing rather
/// than writing something that resolves to nothing.
/// </summary>
internal static class ValueRenderer
{
    public static async ValueTask<string> RenderAsync(object value, IValueAddressing addressing, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(addressing);
        switch (Unwrap(value))
        {
            case string text:
                return addressing.Literal(text);
            case EndpointReference endpoint:
                return addressing.Endpoint(endpoint, EndpointProperty.Url);
            case EndpointReferenceExpression property:
                return addressing.Endpoint(property.Endpoint, property.Property);
            case ParameterResource parameter:
                return addressing.Parameter(parameter);
            case ReferenceExpression { IsConditional: true } conditional:
                // Neither compose nor Kubernetes YAML has conditionals: choose the branch now, as Aspire does.
                var condition = await conditional.Condition!.GetValueAsync(cancellationToken);
                var branch = string.Equals(condition, conditional.MatchValue, StringComparison.OrdinalIgnoreCase) ? conditional.WhenTrue! : conditional.WhenFalse!;
                return await RenderAsync(branch, addressing, cancellationToken);
            case ReferenceExpression expression:
                var parts = new object[expression.ValueProviders.Count];
                for (var i = 0; i < parts.Length; i++)
                {
                    parts[i] = await RenderAsync(expression.ValueProviders[i], addressing, cancellationToken);
                }

                // The format's own text is literal; its placeholders hold no '$'.
                return string.Format(CultureInfo.InvariantCulture, addressing.Literal(expression.Format), parts);
            case IFormattable formattable:
                return formattable.ToString(null, CultureInfo.InvariantCulture);
            case IManifestExpressionProvider other:
                throw new NotSupportedException($"PeerVault's publishers cannot express {other.ValueExpression} ({other.GetType().Name}) outside Aspire's manifest.");
            case var other:
                throw new NotSupportedException($"PeerVault's publishers cannot express a {other.GetType().Name} value.");
        }
    }

    /// <summary>
    /// The value an expression stands for when it is nothing but that value (<c>{0}</c>), and a
    /// connection string's expression in place of the reference to it.
    /// </summary>
    public static object Unwrap(object value)
    {
        while (true)
        {
            switch (value)
            {
                case ConnectionStringReference reference:
                    value = reference.ConnectionStringExpression;
                    continue;
                case IResourceWithConnectionString resource:
                    value = resource.ConnectionStringExpression;
                    continue;
                case ReferenceExpression { IsConditional: false, Format: "{0}", ValueProviders.Count: 1 } single:
                    value = single.ValueProviders[0];
                    continue;
                default:
                    return value;
            }
        }
    }

    /// <summary>Every endpoint a value refers to, however deep in expressions.</summary>
    public static IEnumerable<EndpointReference> Endpoints(object value)
    {
        switch (value)
        {
            case EndpointReference endpoint:
                yield return endpoint;
                break;
            case EndpointReferenceExpression property:
                yield return property.Endpoint;
                break;
            case IValueWithReferences composite:
                foreach (var endpoint in composite.References.SelectMany(Endpoints))
                {
                    yield return endpoint;
                }

                break;
        }
    }
}
