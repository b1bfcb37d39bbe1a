using System.Reflection;
using System.Text.RegularExpressions;
using Aspire.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace PeerVault.Hosting.Publishing;

/// <summary>
/// What the compose and Kubernetes output needs beyond the application model: the application's
/// name (for names that belong to no single resource, such as the Kubernetes Secret) and the tag
/// of the images <c>dotnet publish -t:PublishContainer</c> builds from the projects.
/// </summary>
internal sealed partial record PublishingSettings(string ApplicationName, string ImageTag)
{
    /// <summary><c>--image-tag 1.2.0</c>; also <c>PeerVault:ImageTag</c>.</summary>
    public const string ImageTagKey = "image-tag";

    /// <summary>Used when the AppHost's assembly carries no version of its own.</summary>
    public const string DefaultImageTag = "1.0.0";

    public static PublishingSettings From(DistributedApplicationExecutionContext executionContext)
    {
        ArgumentNullException.ThrowIfNull(executionContext);
        var services = executionContext.Services;
        var configuration = services.GetRequiredService<IConfiguration>();
        var application = services.GetService<IHostEnvironment>()?.ApplicationName ?? Assembly.GetEntryAssembly()?.GetName().Name ?? "app";
        var tag = configuration[ImageTagKey] ?? configuration["PeerVault:ImageTag"] ?? AppHostVersion() ?? DefaultImageTag;

        // A moving tag makes a restarted pod or `docker compose up` run whatever was pushed last.
        if (!PinnedTag().IsMatch(tag) || string.Equals(tag, "latest", StringComparison.OrdinalIgnoreCase))
        {
            throw new DistributedApplicationException($"--{ImageTagKey} must be a pinned container image tag (letters, digits, '.', '_', '-'; not 'latest'); got '{tag}'.");
        }

        return new PublishingSettings(KubernetesName(application.EndsWith(".AppHost", StringComparison.OrdinalIgnoreCase) ? application[..^".AppHost".Length] : application), tag);
    }

    /// <summary>
    /// The AppHost's own version (without the <c>+commit</c> suffix), which is also what the SDK tags
    /// each project's image with when the solution shares one version.
    /// </summary>
    private static string? AppHostVersion()
    {
        var version = Assembly.GetEntryAssembly()?.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        return version?.Split('+')[0] is { Length: > 0 } plain ? plain : null;
    }

    /// <summary>Lower-case letters, digits and '-': valid for compose services, volumes and Kubernetes objects alike.</summary>
    public static string KubernetesName(string name)
    {
        var lower = NotNameCharacters().Replace(name.ToLowerInvariant(), "-").Trim('-');
        return lower.Length > 0 ? lower : throw new ArgumentException($"'{name}' has no character usable in a name.", nameof(name));
    }

    [GeneratedRegex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")]
    private static partial Regex PinnedTag();

    [GeneratedRegex("[^a-z0-9-]+")]
    private static partial Regex NotNameCharacters();
}
