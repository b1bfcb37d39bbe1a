using System.Globalization;
using System.Text;

namespace PeerVault.Tests.Infrastructure;

/// <summary>
/// A node's own operating-system process: the <c>PeerVault.Node</c> executable that the
/// <c>dotnet run</c> Aspire starts runs as its child. Found by the data directory in its
/// environment (<c>PEERVAULT_DATA_DIR</c>), which no other node shares.
/// </summary>
public static class NodeProcess
{
    private const string DataDirectoryVariable = "PEERVAULT_DATA_DIR";

    /// <summary>The node process that keeps its data in <paramref name="dataDirectory"/>; fails the test unless there is exactly one.</summary>
    public static int Find(string node, string dataDirectory)
    {
        var marked = Processes().Where(p => p.Environment.Contains($"{DataDirectoryVariable}={dataDirectory}")).ToList();

        // dotnet run carries the environment too; the node is the one whose parent is among them, or the only one.
        var parents = marked.Select(p => p.ParentId).ToHashSet();
        var leaves = marked.Where(p => !parents.Contains(p.Id)).ToList();
        var nodes = leaves.Where(p => p.CommandLine.Contains("PeerVault.Node", StringComparison.Ordinal)).ToList();
        Assert.True(
            nodes.Count == 1,
            $"Expected exactly one PeerVault.Node process for {node} ({DataDirectoryVariable}={dataDirectory}); found: " +
            (marked.Count == 0 ? "none" : string.Join("; ", marked.Select(p => $"pid {p.Id} (parent {p.ParentId}): {p.CommandLine}"))));
        return nodes[0].Id;
    }

    /// <summary>Whether any process (the node or its <c>dotnet run</c>) still runs with this data directory.</summary>
    public static bool AnyRunning(string dataDirectory)
        => Processes().Any(p => p.Environment.Contains($"{DataDirectoryVariable}={dataDirectory}"));

    /// <summary>Whether the process is gone (or a zombie: it has exited and holds no port or file).</summary>
    public static bool HasExited(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/stat").Split(") ")[^1].StartsWith('Z');
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return true;
        }
    }

    /// <summary>Sends SIGKILL: the process gets no chance to flush, close connections or say goodbye.</summary>
    public static async Task KillAsync(string node, int pid)
    {
        ProcessTable.Signal(pid, "KILL");
        await Poll.UntilAsync(() => HasExited(pid), $"{node}'s process {pid} has died of SIGKILL");
    }

    private static IEnumerable<(int Id, int ParentId, string CommandLine, HashSet<string> Environment)> Processes()
    {
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            (int, int, string, HashSet<string>)? found = null;
            try
            {
                var stat = File.ReadAllText(Path.Combine(directory, "stat")).Split(") ")[^1].Split(' ');
                if (stat[0] == "Z")
                {
                    continue;
                }

                var environment = Encoding.UTF8.GetString(File.ReadAllBytes(Path.Combine(directory, "environ"))).Split('\0').ToHashSet(StringComparer.Ordinal);
                if (!environment.Any(e => e.StartsWith(DataDirectoryVariable + "=", StringComparison.Ordinal)))
                {
                    continue;
                }

                var commandLine = Encoding.UTF8.GetString(File.ReadAllBytes(Path.Combine(directory, "cmdline"))).Replace('\0', ' ').Trim();
                found = (pid, int.Parse(stat[1], CultureInfo.InvariantCulture), commandLine, environment);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Gone between listing and reading, or not ours to read.
            }

            if (found is { } process)
            {
                yield return process;
            }
        }
    }
}
