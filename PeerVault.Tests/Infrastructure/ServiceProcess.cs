using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;

namespace PeerVault.Tests.Infrastructure;

/// <summary>
/// A project's built assembly run as its own OS process (<c>dotnet X.dll</c>), with its output
/// captured line by line and echoed to the test output. Disposing kills the whole process tree.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly string _name;

    private ServiceProcess(string name, Process process)
    {
        _name = name;
        _process = process;
    }

    public IReadOnlyCollection<string> Lines => _lines;

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public static ServiceProcess Start(string name, string project, IDictionary<string, string?> environment, string workingDirectory, params string[] arguments)
        => StartDotnet(name, [SolutionPaths.ProjectAssembly(project), .. arguments], environment, workingDirectory);

    /// <summary>Runs <c>dotnet</c> with <paramref name="arguments"/> (a build, a pack, a <c>dotnet run</c>), its output collected as lines.</summary>
    public static ServiceProcess StartDotnet(string name, IEnumerable<string> arguments, IDictionary<string, string?> environment, string workingDirectory)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var service = new ServiceProcess(name, process);
        process.OutputDataReceived += (_, e) => service.Add(e.Data);
        process.ErrorDataReceived += (_, e) => service.Add(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return service;
    }

    /// <summary>Waits for an output line matching <paramref name="pattern"/>; returns its first group.</summary>
    public async Task<string> WaitForLineAsync(string pattern, TimeSpan? timeout = null)
    {
        var regex = new Regex(pattern, RegexOptions.CultureInvariant);
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            foreach (var line in _lines)
            {
                var match = regex.Match(line);
                if (match.Success)
                {
                    return match.Groups.Count > 1 ? match.Groups[1].Value : match.Value;
                }
            }

            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{_name} exited with {_process.ExitCode} before printing /{pattern}/.");
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{_name} did not print /{pattern}/ in time.");
            }

            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(timeout);
        await _process.WaitForExitAsync(deadline.Token);
        return _process.ExitCode;
    }

    private void Add(string? line)
    {
        if (line is null)
        {
            return;
        }

        _lines.Enqueue(line);
        try
        {
            TestContext.Current.TestOutputHelper?.WriteLine($"[{_name}] {line}");
        }
        catch (InvalidOperationException)
        {
            // Output after the test ended.
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(CancellationToken.None);
        }

        _process.Dispose();
    }
}
