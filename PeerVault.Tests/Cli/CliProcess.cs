using System.Diagnostics;
using System.Text;
using System.Text.Json;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Cli;

/// <summary>What one run of the CLI left: its exit code, standard output (bytes, for binary reads) and standard error.</summary>
public sealed record CliResult(int ExitCode, byte[] StdoutBytes, string Stderr)
{
    public string Stdout => Encoding.UTF8.GetString(StdoutBytes);

    public JsonElement Json => JsonDocument.Parse(StdoutBytes).RootElement;

    /// <summary>The <c>{"error": {...}}</c> object <c>--json</c> prints on standard error.</summary>
    public JsonElement Error => JsonDocument.Parse(Stderr).RootElement.GetProperty("error");

    public override string ToString() => $"exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}";
}

/// <summary>
/// Runs the built <c>peervault</c> CLI as its own process (<c>dotnet PeerVault.Cli.dll …</c>), as a
/// user would, in a scratch folder (so it finds no AppHost connection file) with none of the
/// caller's PEERVAULT_* settings leaking in.
/// </summary>
public static class CliProcess
{
    public static async Task<CliResult> RunAsync(string[] arguments, IDictionary<string, string?>? environment = null, Stream? stdin = null, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(SolutionPaths.ProjectAssembly("PeerVault.Cli"));
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var variable in info.Environment.Keys.Where(k => k.StartsWith("PEERVAULT_", StringComparison.Ordinal)).ToList())
        {
            info.Environment.Remove(variable);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            info.Environment[key] = value;
        }

        using var process = Process.Start(info)!;
        var cancellation = TestContext.Current.CancellationToken;
        var stdout = new MemoryStream();
        var reading = process.StandardOutput.BaseStream.CopyToAsync(stdout, cancellation);
        var stderr = process.StandardError.ReadToEndAsync(cancellation);
        if (stdin is not null)
        {
            await stdin.CopyToAsync(process.StandardInput.BaseStream, cancellation);
        }

        process.StandardInput.Close();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        deadline.CancelAfter(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        await reading;
        var result = new CliResult(process.ExitCode, stdout.ToArray(), await stderr);
        TestContext.Current.TestOutputHelper?.WriteLine($"$ peervault {string.Join(' ', arguments)}\n{result}");
        return result;
    }
}
