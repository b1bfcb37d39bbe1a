using k8s.Models;

namespace PeerVault.Tests.Hosting.Publishing;

/// <summary>
/// The Pod Security Standards' "restricted" profile (kubernetes.io/docs/concepts/security/pod-security-standards),
/// checked on a pod spec, plus what PeerVault promises on top of it: the .NET images' app user,
/// a read-only root filesystem with a writable /tmp, requests and limits, pinned images pulled
/// only when missing.
/// </summary>
public static class RestrictedPodSecurity
{
    /// <summary>The volume types "restricted" allows.</summary>
    private static readonly string[] AllowedVolumes = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"];

    public static IReadOnlyList<string> Violations(string owner, V1PodSpec pod)
    {
        var found = new List<string>();
        void Require(bool ok, string what)
        {
            if (!ok)
            {
                found.Add($"{owner}: {what}");
            }
        }

        Require(pod.HostNetwork != true && pod.HostPID != true && pod.HostIPC != true, "shares a host namespace");
        foreach (var volume in pod.Volumes ?? [])
        {
            var kinds = VolumeKinds(volume);
            Require(kinds.Count == 1 && AllowedVolumes.Contains(kinds[0]), $"volume {volume.Name} is of a type restricted forbids ({string.Join(", ", kinds)})");
        }

        foreach (var container in (pod.InitContainers ?? []).Concat(pod.Containers))
        {
            var name = $"container {container.Name}";
            var context = container.SecurityContext;
            Require((context?.RunAsNonRoot ?? pod.SecurityContext?.RunAsNonRoot) == true, $"{name} may run as root (runAsNonRoot)");
            Require((context?.RunAsUser ?? pod.SecurityContext?.RunAsUser) == 1654, $"{name} does not run as the .NET images' app user 1654");
            Require((context?.SeccompProfile ?? pod.SecurityContext?.SeccompProfile)?.Type is "RuntimeDefault" or "Localhost", $"{name} has no seccomp profile");
            Require(context?.AllowPrivilegeEscalation == false, $"{name} allows privilege escalation");
            Require(context?.Privileged != true, $"{name} is privileged");
            Require(context?.Capabilities?.Drop?.Contains("ALL") == true, $"{name} keeps capabilities (drop ALL)");
            Require((context?.Capabilities?.Add ?? []).All(c => c == "NET_BIND_SERVICE"), $"{name} adds capabilities");
            Require(context?.ReadOnlyRootFilesystem == true, $"{name} has a writable root filesystem");
            Require(container.VolumeMounts?.Any(m => m.MountPath == "/tmp" && pod.Volumes?.Any(v => v.Name == m.Name && v.EmptyDir is not null) == true) == true, $"{name} has no writable /tmp");
            Require(container.Resources?.Requests?.ContainsKey("cpu") == true && container.Resources.Requests.ContainsKey("memory"), $"{name} requests no cpu and memory");
            Require(container.Resources?.Limits?.ContainsKey("cpu") == true && container.Resources.Limits.ContainsKey("memory"), $"{name} has no cpu and memory limits");
            Require(container.ImagePullPolicy == "IfNotPresent", $"{name} pulls {container.ImagePullPolicy ?? "by default"}");
            var tag = container.Image.Contains(':', StringComparison.Ordinal) ? container.Image[(container.Image.LastIndexOf(':') + 1)..] : null;
            Require(tag is { Length: > 0 } && tag != "latest" && !tag.Contains('/', StringComparison.Ordinal), $"{name} runs {container.Image}, not a pinned tag");
        }

        return found;
    }

    private static List<string> VolumeKinds(V1Volume volume)
        => [.. typeof(V1Volume).GetProperties()
            .Where(p => p.Name != nameof(V1Volume.Name) && p.GetValue(volume) is not null)
            .Select(p => char.ToLowerInvariant(p.Name[0]) + p.Name[1..])];
}
