using System.Text;

namespace PeerVault.Tests.Infrastructure;

/// <summary>Processes on this (Linux) machine, read from <c>/proc</c>.</summary>
public static class ProcessTable
{
    /// <summary>Live processes whose environment contains <paramref name="marker"/> in some variable's value.</summary>
    public static IReadOnlyList<int> WithEnvironmentValue(string marker)
    {
        var found = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            try
            {
                // A zombie has exited (its parent has not collected it yet): it holds no port or file.
                if (File.ReadAllText(Path.Combine(directory, "stat")).Split(") ")[^1].StartsWith('Z'))
                {
                    continue;
                }

                var environment = Encoding.UTF8.GetString(File.ReadAllBytes(Path.Combine(directory, "environ")));
                if (environment.Contains(marker, StringComparison.Ordinal))
                {
                    found.Add(pid);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Gone between listing and reading, or not ours to read.
            }
        }

        return found;
    }

    /// <summary>Sends a POSIX signal (INT, TERM, KILL) the way a terminal or an operator would.</summary>
    public static void Signal(int pid, string signal)
    {
        using var kill = System.Diagnostics.Process.Start("kill", ["-" + signal, pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }
}
