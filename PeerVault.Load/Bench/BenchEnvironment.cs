using System.Diagnostics;
using System.Runtime.InteropServices;

namespace PeerVault.Load.Bench;

/// <summary>The machine and source a run measured: so that two results can be told apart.</summary>
internal static class BenchEnvironment
{
    public static MachineInfo Describe(string dataDirectory) => new(
        Environment.MachineName,
        RuntimeInformation.OSDescription,
        RuntimeInformation.FrameworkDescription,
        Environment.ProcessorCount,
        CpuModel(),
        GC.GetGCMemoryInfo().TotalAvailableMemoryBytes,
        Path.GetFullPath(dataDirectory),
        FileSystem(dataDirectory));

    /// <summary>The commit checked out where the tool runs from (the current directory, else the tool's own), or null outside a repository.</summary>
    public static string? GitCommit() => GitCommit(Directory.GetCurrentDirectory()) ?? GitCommit(AppContext.BaseDirectory);

    private static string? GitCommit(string directory)
    {
        try
        {
            using var git = Process.Start(new ProcessStartInfo("git", ["rev-parse", "HEAD"]) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false });
            if (git is null)
            {
                return null;
            }

            var commit = git.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit();
            return git.ExitCode == 0 && commit.Length > 0 ? commit : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // No git on this machine.
            return null;
        }
    }

    private static string? CpuModel()
    {
        try
        {
            return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim();
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static string? FileSystem(string directory)
    {
        try
        {
            return new DriveInfo(Path.GetFullPath(directory)).DriveFormat;
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
