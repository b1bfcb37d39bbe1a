using System.Diagnostics;

namespace PeerVault.Load.Chaos;

/// <summary>Runs the system commands the harness drives (<c>ip</c>, <c>nft</c>, <c>mount</c>) and says how they ended.</summary>
internal static class Shell
{
    public sealed record Result(int ExitCode, string Output, string Error)
    {
        public bool Ok => ExitCode == 0;
    }

    public static async Task<Result> RunAsync(string file, IEnumerable<string> arguments, string? input = null, CancellationToken cancellationToken = default)
    {
        var info = new ProcessStartInfo(file)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = input is not null,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException($"{file} did not start.");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return new Result(127, string.Empty, $"{file}: {ex.Message}");
        }

        using (process)
        {
            if (input is not null)
            {
                await process.StandardInput.WriteAsync(input);
                process.StandardInput.Close();
            }

            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var error = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            return new Result(process.ExitCode, await output, (await error).Trim());
        }
    }

    /// <summary>Runs the command and throws with its error output if it fails.</summary>
    public static async Task<string> CheckAsync(string file, IEnumerable<string> arguments, string? input = null, CancellationToken cancellationToken = default)
    {
        var list = arguments.ToList();
        var result = await RunAsync(file, list, input, cancellationToken);
        return result.Ok ? result.Output : throw new InvalidOperationException($"{file} {string.Join(' ', list)} failed ({result.ExitCode}): {result.Error}");
    }

    public static Result Run(string file, params string[] arguments) => RunAsync(file, arguments).GetAwaiter().GetResult();
}
