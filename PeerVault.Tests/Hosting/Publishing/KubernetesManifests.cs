using k8s;
using k8s.Models;

namespace PeerVault.Tests.Hosting.Publishing;

/// <summary>
/// Every document of a Kubernetes publish, read with the Kubernetes client's strict YAML
/// deserializer into its API type: an unknown or misspelled field, a wrong type, or a kind the
/// publisher should not write fails the read.
/// </summary>
public sealed class KubernetesManifests
{
    /// <summary>The kinds PeerVault publishes, by apiVersion/kind as the client maps them.</summary>
    public static readonly IReadOnlyDictionary<string, Type> Kinds = new Dictionary<string, Type>
    {
        ["v1/Service"] = typeof(V1Service),
        ["v1/Secret"] = typeof(V1Secret),
        ["apps/v1/StatefulSet"] = typeof(V1StatefulSet),
        ["apps/v1/Deployment"] = typeof(V1Deployment),
        ["batch/v1/Job"] = typeof(V1Job),
        ["policy/v1/PodDisruptionBudget"] = typeof(V1PodDisruptionBudget),
    };

    private KubernetesManifests(IReadOnlyList<(string File, IKubernetesObject Object)> objects) => Objects = objects;

    public IReadOnlyList<(string File, IKubernetesObject Object)> Objects { get; }

    public static KubernetesManifests Load(IEnumerable<string> files)
    {
        var objects = new List<(string, IKubernetesObject)>();
        foreach (var file in files)
        {
            objects.AddRange(Parse(File.ReadAllText(file)).Select(o => (Path.GetFileName(file), o)));
        }

        return new KubernetesManifests(objects);
    }

    public static IReadOnlyList<IKubernetesObject> Parse(string yaml)
        => [.. KubernetesYaml.LoadAllFromString(yaml, new Dictionary<string, Type>(Kinds), strict: true).Cast<IKubernetesObject>()];

    public IEnumerable<T> OfType<T>() => Objects.Select(o => o.Object).OfType<T>();

    public T Named<T>(string name)
        where T : IKubernetesObject<V1ObjectMeta>
        => Assert.Single(OfType<T>(), o => o.Metadata.Name == name);

    /// <summary>Every pod a workload makes, with the object that makes it.</summary>
    public IEnumerable<(string Owner, V1PodSpec Pod)> Pods()
        => OfType<V1StatefulSet>().Select(s => ($"StatefulSet/{s.Metadata.Name}", s.Spec.Template.Spec))
            .Concat(OfType<V1Deployment>().Select(d => ($"Deployment/{d.Metadata.Name}", d.Spec.Template.Spec)))
            .Concat(OfType<V1Job>().Select(j => ($"Job/{j.Metadata.Name}", j.Spec.Template.Spec)));
}
