using System.Globalization;
using System.Text.RegularExpressions;

namespace PeerVault.Load.Chaos;

/// <summary>
/// What an earlier run left when it was killed before it could clean up: its namespaces (and the
/// node processes still in them), its bridge, its tmpfs mounts, its work directory and the node
/// processes it started on loopback. A run is dead when no process with its pid runs PeerVault;
/// another live run's things are never touched.
/// </summary>
internal static partial class StaleCleanup
{
    public const string WorkPrefix = "pvchaos-";

    /// <summary>Removes every leftover of dead runs; returns one line per thing removed.</summary>
    public static async Task<IReadOnlyList<string>> RunAsync(CancellationToken cancellationToken)
    {
        var removed = new List<string>();
        if (Environment.IsPrivilegedProcess)
        {
            var namespaces = await Shell.RunAsync("ip", ["netns", "list"], cancellationToken: cancellationToken);
            foreach (var name in namespaces.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')[0]))
            {
                if (NamespacePattern().Match(name) is { Success: true } match && IsDead(match.Groups[1].Value))
                {
                    var pids = await Shell.RunAsync("ip", ["netns", "pids", name], cancellationToken: cancellationToken);
                    foreach (var pid in pids.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                    {
                        await Shell.RunAsync("kill", ["-KILL", pid.Trim()], cancellationToken: cancellationToken);
                    }

                    await Shell.RunAsync("ip", ["netns", "del", name], cancellationToken: cancellationToken);
                    removed.Add($"namespace {name}");
                }
            }

            var bridges = await Shell.RunAsync("ip", ["-o", "link", "show", "type", "bridge"], cancellationToken: cancellationToken);
            foreach (var match in BridgePattern().Matches(bridges.Output).Cast<Match>())
            {
                if (IsDead(match.Groups[2].Value))
                {
                    await Shell.RunAsync("ip", ["link", "del", match.Groups[1].Value], cancellationToken: cancellationToken);
                    removed.Add($"bridge {match.Groups[1].Value}");
                }
            }

            foreach (var mount in File.ReadLines("/proc/mounts").Select(l => l.Split(' ')[1]).Reverse())
            {
                if (WorkPattern().Match(mount) is { Success: true } match && IsDead(match.Groups[1].Value))
                {
                    await Shell.RunAsync("umount", ["-l", mount], cancellationToken: cancellationToken);
                    removed.Add($"mount {mount}");
                }
            }
        }

        foreach (var directory in Directory.EnumerateDirectories(Path.GetTempPath(), WorkPrefix + "*"))
        {
            if (WorkPattern().Match(directory + "/") is not { Success: true } match || !IsDead(match.Groups[1].Value))
            {
                continue;
            }

            var pids = Path.Combine(directory, "pids");
            foreach (var pidFile in Directory.Exists(pids) ? Directory.EnumerateFiles(pids) : [])
            {
                KillNodeOf(directory, pidFile);
            }

            try
            {
                Directory.Delete(directory, recursive: true);
                removed.Add($"work directory {directory}");
            }
            catch (IOException ex)
            {
                removed.Add($"work directory {directory} (not removed: {ex.Message})");
            }
        }

        return removed;
    }

    /// <summary>Whether the run of this pid is gone: no such process, or one that is not PeerVault (the pid was reused).</summary>
    private static bool IsDead(string pid)
    {
        if (pid == Environment.ProcessId.ToString(CultureInfo.InvariantCulture))
        {
            return false;
        }

        try
        {
            return !File.ReadAllText($"/proc/{pid}/cmdline").Contains("PeerVault", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return true;
        }
    }

    /// <summary>A node the dead run started on loopback: killed only if that pid still runs PeerVault.Node with that run's data.</summary>
    private static void KillNodeOf(string directory, string pidFile)
    {
        try
        {
            var pid = int.Parse(File.ReadAllText(pidFile).Trim(), CultureInfo.InvariantCulture);
            var environment = File.ReadAllText($"/proc/{pid}/environ");
            if (File.ReadAllText($"/proc/{pid}/cmdline").Contains("PeerVault.Node", StringComparison.Ordinal) && environment.Contains(directory, StringComparison.Ordinal))
            {
                using var process = System.Diagnostics.Process.GetProcessById(pid);
                process.Kill();
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or ArgumentException or InvalidOperationException)
        {
            // Gone already, or not ours.
        }
    }

    [GeneratedRegex(@"^pvchaos-(\d+)-n\d+$")]
    private static partial Regex NamespacePattern();

    [GeneratedRegex(@"\d+: (pvc(\d+)br)[:@]")]
    private static partial Regex BridgePattern();

    [GeneratedRegex(@"/pvchaos-(\d+)/")]
    private static partial Regex WorkPattern();
}
