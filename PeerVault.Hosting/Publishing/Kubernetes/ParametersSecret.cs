using System.Text;

namespace PeerVault.Hosting.Publishing.Kubernetes;

/// <summary>
/// The Secret every workload reads its parameters from, written with <c>${NAME}</c> placeholders
/// for <c>envsubst</c>, never a value. Its file does not end in <c>.yaml</c>, so
/// <c>kubectl apply -f DIR</c> skips it: applying the folder again can never overwrite the real
/// values with placeholders, and until the operator creates the Secret the pods wait in
/// <c>CreateContainerConfigError</c> instead of starting on an empty key.
/// </summary>
internal static class ParametersSecret
{
    public const string FileName = "parameters-secret.yaml.template";

    public static string Name(string application) => $"{application}-parameters";

    public static string Write(string application, IReadOnlyList<RequiredVariable> variables)
    {
        var header = new StringBuilder()
            .Append("# The values the workloads read with secretKeyRef, as placeholders. Create the Secret once,\n")
            .Append("# before or after `kubectl apply -f <this folder>` (which skips this file):\n");
        foreach (var variable in variables)
        {
            header.Append("#   export ").Append(variable.Name).Append("=\"$(").Append(variable.HowToGenerate).Append(")\"   # ").Append(variable.Description).Append('\n');
        }

        var names = string.Join(' ', variables.Select(v => $"${{{v.Name}}}"));
        header.Append("#   : \"").Append(string.Join(' ', variables.Select(v => $"${{{v.Name}:?}}"))).Append("\"   # stops here if one is empty\n")
            .Append("#   envsubst '").Append(names).Append("' < ").Append(FileName).Append(" | kubectl apply -f -\n");

        var secret = KubernetesObjects.Header("v1", "Secret", Name(application), application)
            .With("type", "Opaque")
            .With("stringData", Data(variables));
        return header + YamlText.WriteAll([secret]);
    }

    private static YamlMap Data(IEnumerable<RequiredVariable> variables)
    {
        var data = new YamlMap();
        foreach (var variable in variables)
        {
            data.Add(variable.SecretKey, $"${{{variable.Name}}}");
        }

        return data;
    }
}
