using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using YamlDotNet.RepresentationModel;

namespace PeerVault.Hosting.Publishing.Kubernetes;

/// <summary>
/// <c>--publisher kubernetes</c>: plain manifests for <c>kubectl apply -f DIR</c>, one file per
/// workload: each PeerVault cluster as one StatefulSet, every other resource as a Job or a
/// Deployment, the Aspire dashboard, and the parameters Secret as a template to fill in.
/// </summary>
internal static class KubernetesGenerator
{
    public static async Task<IReadOnlyList<string>> WriteAsync(DistributedApplicationModel model, DistributedApplicationExecutionContext executionContext, string outputDirectory, CancellationToken cancellationToken)
    {
        var application = await PublishedApplication.LoadAsync(model, executionContext, cancellationToken);
        var name = application.Settings.ApplicationName;
        var clusters = ClusterLayout.Of(application);
        var addressing = new KubernetesAddressing(application, clusters);
        var environment = new KubernetesEnvironment(addressing, ParametersSecret.Name(name));
        var withDashboard = application.Services.Any(s => s.SendsTelemetry);

        var files = new List<(string File, string Text)>();
        foreach (var cluster in clusters)
        {
            files.Add(($"{cluster.Name}.yaml", YamlText.WriteAll(await ClusterManifests.BuildAsync(cluster, name, environment, withDashboard, cancellationToken))));
        }

        foreach (var service in application.Services.Where(s => !clusters.Any(c => c.Contains(s))))
        {
            files.Add(($"{KubernetesAddressing.ServiceName(service.Resource)}.yaml", YamlText.WriteAll(await WorkloadManifests.BuildAsync(service, application, name, addressing, environment, withDashboard, cancellationToken))));
        }

        if (withDashboard)
        {
            files.Add(($"{AspireDashboard.Name}.yaml", YamlText.WriteAll(DashboardManifests.Build(name, environment))));
        }

        // Last: the Secret holds every variable the workloads above came to refer to.
        files.Add((ParametersSecret.FileName, ParametersSecret.Write(name, addressing.Variables)));
        EnsureUniqueNames(files.Select(f => f.Text));

        Directory.CreateDirectory(outputDirectory);
        var written = new List<string>();
        foreach (var (file, text) in files)
        {
            var path = Path.Combine(outputDirectory, file);
            await File.WriteAllTextAsync(path, text, cancellationToken);
            written.Add(path);
        }

        return written;
    }

    /// <summary>Two objects of one kind and name would silently replace each other on apply; refuse instead.</summary>
    private static void EnsureUniqueNames(IEnumerable<string> texts)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var text in texts)
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            foreach (var root in stream.Documents.Select(d => (YamlMappingNode)d.RootNode))
            {
                var id = $"{root["kind"]}/{root["metadata"]["name"]}";
                if (!seen.Add(id))
                {
                    throw new DistributedApplicationException($"Two Kubernetes objects would both be {id}; rename one of the resources.");
                }
            }
        }
    }
}
