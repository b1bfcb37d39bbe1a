using Spectre.Console;

namespace PeerVault.Load.Bench;

/// <summary><c>PeerVault.Load bench [options]</c>: parse, run under a progress display, print the tables, write the JSON. Exit 0, 1 on errors or wrong bodies, 2 on bad usage.</summary>
internal static class BenchMain
{
    public static async Task<int> RunAsync(IReadOnlyList<string> args, IAnsiConsole console, TextWriter error)
    {
        BenchOptions options;
        try
        {
            options = BenchOptions.Parse(args);
        }
        catch (ArgumentException ex)
        {
            error.WriteLine(ex.Message);
            error.WriteLine(BenchOptions.Usage);
            return 2;
        }

        if (Console.IsOutputRedirected)
        {
            // Into a file: no terminal width to fit, so the tables are not folded.
            console.Profile.Width = 200;
        }

        using var abort = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            abort.Cancel();
        };
        try
        {
            var result = await BenchProgress.ShowAsync(console, progress => BenchRunner.RunAsync(options, progress, abort.Token));
            BenchReport.Print(console, result);
            if (options.ResultPath is { } path)
            {
                await File.WriteAllTextAsync(path, BenchReport.ToJson(result), abort.Token);
                console.WriteLine($"result written to {Path.GetFullPath(path)}");
            }

            return result.Errors == 0 && result.VerificationFailures == 0 ? 0 : 1;
        }
        catch (BenchFailedException ex)
        {
            error.WriteLine(ex.Message);
            return 1;
        }
    }
}
