using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Aspire.Hosting.Orchestration;

/// <summary>
/// A polite stop: SIGTERM on Unix (a .NET host shuts down gracefully on it), then SIGKILL of the
/// whole tree if the process is still there after the grace period. Windows has no SIGTERM for
/// console processes, so it is killed directly there.
/// </summary>
internal static partial class ProcessSignals
{
    private const int SigTerm = 15;

    public static async Task StopAsync(Process process, TimeSpan grace)
    {
        try
        {
            if (process.HasExited)
            {
                return;
            }
        }
        catch (InvalidOperationException)
        {
            // Already reaped and disposed by its runner.
            return;
        }

        if (!OperatingSystem.IsWindows() && Kill(process.Id, SigTerm) == 0)
        {
            using var deadline = new CancellationTokenSource(grace);
            try
            {
                await process.WaitForExitAsync(deadline.Token);
                return;
            }
            catch (OperationCanceledException)
            {
                // Did not stop in time.
            }
        }

        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Exited between the check and the kill.
        }

        await process.WaitForExitAsync(CancellationToken.None);
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
