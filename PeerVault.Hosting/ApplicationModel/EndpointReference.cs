namespace Aspire.Hosting.ApplicationModel;

/// <summary>An endpoint of a resource, resolved to a URL once its port is allocated.</summary>
public sealed class EndpointReference(IResourceWithEndpoints resource, string endpointName)
{
    public IResourceWithEndpoints Resource { get; } = resource;

    public string EndpointName { get; } = endpointName;

    public EndpointAnnotation Annotation => Resource.Annotations.OfType<EndpointAnnotation>().SingleOrDefault(e => e.Name == EndpointName)
        ?? throw new InvalidOperationException($"Resource '{Resource.Name}' has no endpoint '{EndpointName}'.");

    /// <summary>Processes run on this machine, so every endpoint is on localhost.</summary>
#pragma warning disable CA1822 // Instance member: the same shape as Aspire's EndpointReference.Host.
    public string Host => "localhost";
#pragma warning restore CA1822

    public int Port => Annotation.AllocatedPort ?? throw new InvalidOperationException($"Endpoint '{EndpointName}' of '{Resource.Name}' has no port yet: the application has not started.");

    public string Scheme => Annotation.UriScheme;

    public string Url => $"{Scheme}://{Host}:{Port}";

    /// <summary>The manifest expression for this endpoint's URL.</summary>
    public string UrlExpression => $"{{{Resource.Name}.bindings.{EndpointName}.url}}";
}
