using System.Runtime.InteropServices;

namespace PeerVault.Load.Chaos;

/// <summary>
/// <c>PeerVault.Load chaos [options]</c>: parse, run (Ctrl+C, SIGTERM and SIGHUP stop it and still
/// remove everything it made), or only check a recorded history. Exit 0: no anomaly; 1: anomalies
/// (or interrupted); 2: bad usage; 3: the cluster could not be started.
/// </summary>
internal static class ChaosMain
{
    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        ChaosOptions options;
        try
        {
            options = ChaosOptions.Parse(args);
        }
        catch (ArgumentException ex)
        {
            error.WriteLine(ex.Message);
            error.WriteLine(ChaosOptions.Usage);
            return 2;
        }

        if (options.CheckOnly is { } path)
        {
            var history = ChaosHistory.Load(path);
            var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
            return ChaosRunner.Report(history, directory, Path.GetFullPath(path), [], output).ExitCode;
        }

        using var abort = new CancellationTokenSource();
        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            abort.Cancel();
        }

        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var hangUp = PosixSignalRegistration.Create(PosixSignal.SIGHUP, Stop);
        var outcome = await ChaosRunner.RunAsync(options, output, abort.Token);
        return outcome.ExitCode;
    }
}
