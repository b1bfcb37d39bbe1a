using Aspire.Hosting.ApplicationModel;

namespace PeerVault.Hosting.Publishing;

/// <summary>
/// The HTTP probes of a resource as a container platform runs them: which endpoint, which path
/// means "ready", and which means "alive". Read from Aspire's probe annotations
/// (<c>WithHttpProbe</c>), which run mode also turns into health checks; a resource without a
/// readiness probe has none in a deployment. Other health checks (PeerVault's cluster check) have
/// no HTTP form and are left out.
/// </summary>
internal sealed record HttpHealthProbe(string EndpointName, string ReadinessPath, string LivenessPath)
{
    public static HttpHealthProbe? Of(IResource resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
#pragma warning disable ASPIREPROBES001 // Aspire's probe annotations are experimental; reading them is what its own Kubernetes publisher does.
        var probes = resource.Annotations.OfType<EndpointProbeAnnotation>().ToList();
        var readiness = probes.FirstOrDefault(p => p.Type == ProbeType.Readiness);
        var liveness = probes.FirstOrDefault(p => p.Type == ProbeType.Liveness) ?? readiness;
        return readiness is null || liveness is null
            ? null
            : new HttpHealthProbe(readiness.EndpointReference.EndpointName, readiness.Path, liveness.Path);
#pragma warning restore ASPIREPROBES001
    }
}
