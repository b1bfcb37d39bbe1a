using System.Diagnostics;

namespace PeerVault.Tests.Infrastructure;

/// <summary>Runs an operating-system command (mount, umount) for tests that set up a real disk condition.</summary>
public static class SystemCommand
{
    /// <summary>True if <paramref name="command"/> ran and exited 0; false if it failed or does not exist here.</summary>
    public static async Task<bool> TryRunAsync(string command, params string[] arguments)
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        var info = new ProcessStartInfo(command) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        try
        {
            using var process = Process.Start(info)!;
            await process.WaitForExitAsync(TestContext.Current.CancellationToken);
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
