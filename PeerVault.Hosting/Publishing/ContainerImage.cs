using System.Xml.Linq;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace PeerVault.Hosting.Publishing;

/// <summary>
/// The image a resource runs from. A project's is the one <c>dotnet publish -t:PublishContainer</c>
/// builds: its csproj's <c>ContainerRepository</c> (else the assembly name, lower-cased, as the SDK
/// derives it) at the pinned tag, with the app in <c>/app</c> as <see cref="AssemblyFile"/>.
/// A container resource's is the image its model names.
/// </summary>
internal sealed record ContainerImage(string Reference, string? AssemblyFile)
{
    public static ContainerImage Of(IResource resource, string tag)
    {
        ArgumentNullException.ThrowIfNull(resource);
        if (resource is ProjectResource project)
        {
            var path = project.GetProjectMetadata().ProjectPath;
            var properties = ReadProperties(path);
            var assembly = properties.GetValueOrDefault("AssemblyName") ?? Path.GetFileNameWithoutExtension(path);
            var repository = properties.GetValueOrDefault("ContainerRepository") ?? PublishingSettings.KubernetesName(assembly.Replace('.', '-'));
            return new ContainerImage($"{repository}:{tag}", $"{assembly}.dll");
        }

        if (resource.TryGetContainerImageName(out var image))
        {
            return new ContainerImage(image, null);
        }

        throw new DistributedApplicationException($"'{resource.Name}' is neither a project nor a container; PeerVault's publishers do not know which image runs it.");
    }

    /// <summary>
    /// The csproj's literal properties. MSBuild expressions (<c>$(...)</c>) are not evaluated here, so
    /// a property that uses one is ignored and the SDK's own default applies instead.
    /// </summary>
    private static Dictionary<string, string> ReadProperties(string projectPath)
    {
        var properties = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!File.Exists(projectPath))
        {
            return properties;
        }

        foreach (var element in XDocument.Load(projectPath).Descendants().Where(e => e.Parent?.Name.LocalName == "PropertyGroup"))
        {
            var value = element.Value.Trim();
            if (value.Length > 0 && !value.Contains("$(", StringComparison.Ordinal))
            {
                properties[element.Name.LocalName] = value;
            }
        }

        return properties;
    }
}
