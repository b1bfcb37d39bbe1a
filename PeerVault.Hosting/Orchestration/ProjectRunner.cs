using System.Diagnostics;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Logging;

namespace Aspire.Hosting.Orchestration;

/// <summary>
/// The life of one project resource: wait for its dependencies, start <c>dotnet {assembly}</c>
/// with its environment, capture its output, probe its health, and record how it ended. Start,
/// stop and restart can be repeated for as long as the application runs.
/// </summary>
internal sealed partial class ProjectRunner(
    ProjectResource resource,
    OrchestratorOptions options,
    ResourceNotificationService notifications,
    ResourceLoggerService logs,
    ConsoleOutput? console,
    ILogger logger,
    TimeProvider time) : IDisposable
{
    private static readonly HttpClient Probe = new() { Timeout = TimeSpan.FromSeconds(2) };
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Process? _process;
    private Task? _lifecycle;
    private CancellationTokenSource? _run;
    private volatile bool _stopRequested;

    public ProjectResource Resource => resource;

    /// <summary>Starts the resource's lifecycle (waiting on dependencies first). Fails if it is already running.</summary>
    public async Task StartAsync(CancellationToken applicationStopping)
    {
        await _gate.WaitAsync(applicationStopping);
        try
        {
            if (_lifecycle is { IsCompleted: false })
            {
                throw new InvalidOperationException($"'{resource.Name}' is already running.");
            }

            _stopRequested = false;
            // Visible before this returns, so a caller waiting for the next state never sees the last run's end.
            notifications.Publish(resource.Name, s => s with { State = resource.Annotations.OfType<WaitAnnotation>().Any() ? KnownResourceStates.Waiting : KnownResourceStates.Starting, ExitCode = null, StoppedAt = null, Message = null });
            _run?.Dispose();
            _run = CancellationTokenSource.CreateLinkedTokenSource(applicationStopping);
            _lifecycle = Task.Run(() => RunAsync(_run.Token), CancellationToken.None);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>SIGTERM, then SIGKILL after the grace period; returns once the process is gone.</summary>
    public async Task StopAsync()
    {
        await _gate.WaitAsync();
        try
        {
            if (_lifecycle is null || _lifecycle.IsCompleted)
            {
                return;
            }

            _stopRequested = true;
            notifications.Publish(resource.Name, s => s with { State = KnownResourceStates.Stopping });
            if (_process is { } process)
            {
                await ProcessSignals.StopAsync(process, options.StopGracePeriod);
            }

            await _run!.CancelAsync();
            await _lifecycle;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (!await WaitForDependenciesAsync(cancellationToken))
            {
                return;
            }

            notifications.Publish(resource.Name, s => s with { State = KnownResourceStates.Starting, ExitCode = null, StoppedAt = null, Message = null });
            var assembly = resource.Project is IProjectOutputMetadata output ? output.TargetPath : null;
            if (assembly is null || !File.Exists(assembly))
            {
                Fail($"The build output {assembly ?? resource.Project.ProjectPath} does not exist; build the AppHost (it builds its projects) and run again.");
                return;
            }

            var secretNames = new HashSet<string>(StringComparer.Ordinal);
            var environment = ResourceEnvironment.Build(resource, options, secretNames);
            if (environment.TryGetValue(resource.Annotations.OfType<DataDirectoryAnnotation>().FirstOrDefault()?.EnvironmentVariable ?? string.Empty, out var dataDirectory))
            {
                Directory.CreateDirectory(dataDirectory);
            }

            using var process = CreateProcess(assembly, environment);
            process.Start();
            _process = process;
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            LogStarted(resource.Name, process.Id);
            var hasHealthChecks = resource.Annotations.OfType<HealthProbeAnnotation>().Any();
            notifications.Publish(resource.Name, s => s with
            {
                State = KnownResourceStates.Running,
                StartedAt = time.GetUtcNow(),
                ProcessId = process.Id,
                HasHealthChecks = hasHealthChecks,
                HealthStatus = hasHealthChecks ? HealthStatus.Unhealthy : null,
                Urls = Urls(),
                Environment = ResourceEnvironment.Describe(environment, secretNames),
            });

            using var probing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var health = hasHealthChecks ? ProbeHealthAsync(probing.Token) : Task.CompletedTask;
            await process.WaitForExitAsync(CancellationToken.None);
            await probing.CancelAsync();
            await health;
            // Let the last output lines drain before the exit is reported.
            process.WaitForExit();

            var exitCode = process.ExitCode;
            _process = null;
            var state = !_stopRequested && exitCode == 0 ? KnownResourceStates.Finished : KnownResourceStates.Exited;
            LogExited(resource.Name, exitCode, state);
            notifications.Publish(resource.Name, s => s with { State = state, ExitCode = exitCode, StoppedAt = time.GetUtcNow(), HealthStatus = s.HasHealthChecks ? HealthStatus.Unhealthy : null });
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Fail(ex.Message);
        }
        catch (OperationCanceledException)
        {
            if (_process is null)
            {
                notifications.Publish(resource.Name, s => s with { State = KnownResourceStates.NotStarted });
            }
        }
    }

    private async Task<bool> WaitForDependenciesAsync(CancellationToken cancellationToken)
    {
        var waits = resource.Annotations.OfType<WaitAnnotation>().ToList();
        if (waits.Count == 0)
        {
            return true;
        }

        notifications.Publish(resource.Name, s => s with { State = KnownResourceStates.Waiting });
        foreach (var wait in waits)
        {
            var dependency = await notifications.WaitForResourceAsync(
                wait.Dependency.Name,
                s => wait.Type == WaitType.WaitForCompletion
                    ? KnownResourceStates.IsTerminal(s.State)
                    : KnownResourceStates.IsTerminal(s.State) || (s.State == KnownResourceStates.Running && (!s.HasHealthChecks || s.HealthStatus == HealthStatus.Healthy)),
                cancellationToken);
            var satisfied = wait.Type == WaitType.WaitForCompletion
                ? dependency.State == KnownResourceStates.Finished && dependency.ExitCode == 0
                : dependency.State == KnownResourceStates.Running;
            if (!satisfied)
            {
                Fail($"Dependency '{wait.Dependency.Name}' is {dependency.State}{(dependency.ExitCode is { } code ? $" (exit code {code})" : string.Empty)}.");
                return false;
            }
        }

        return true;
    }

    private Process CreateProcess(string assembly, Dictionary<string, string> environment)
    {
        var info = new ProcessStartInfo(DotnetHost())
        {
            WorkingDirectory = Path.GetDirectoryName(resource.Project.ProjectPath) ?? System.Environment.CurrentDirectory,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        info.ArgumentList.Add(assembly);
        foreach (var argument in resource.Annotations.OfType<CommandLineArgsAnnotation>().SelectMany(a => a.Args))
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment.Clear();
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => Capture(e.Data, isError: false);
        process.ErrorDataReceived += (_, e) => Capture(e.Data, isError: true);
        return process;
    }

    private void Capture(string? text, bool isError)
    {
        if (text is null)
        {
            return;
        }

        var line = logs.Add(resource.Name, text, isError);
        console?.Write(resource.Name, line);
        LogResourceLine(line.Text);
    }

    private async Task ProbeHealthAsync(CancellationToken cancellationToken)
    {
        var probe = resource.Annotations.OfType<HealthProbeAnnotation>().First();
        var url = new Uri(new Uri(new EndpointReference(resource, probe.EndpointName).Url), probe.Path);
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            bool healthy;
            try
            {
                using var response = await Probe.GetAsync(url, cancellationToken);
                healthy = response.IsSuccessStatusCode;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                healthy = false;
            }

            if (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            var status = healthy ? HealthStatus.Healthy : HealthStatus.Unhealthy;
            if (notifications.Get(resource.Name).HealthStatus != status)
            {
                notifications.Publish(resource.Name, s => s.State == KnownResourceStates.Running ? s with { HealthStatus = status } : s);
            }

            // 1 s per consecutive failure (at most 5 s) while unhealthy; every 5 s once healthy.
            failures = healthy ? 0 : failures + 1;
            var delay = healthy ? TimeSpan.FromSeconds(5) : TimeSpan.FromSeconds(Math.Min(failures, 5));
            await Task.Delay(delay, time, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private List<ResourceUrl> Urls()
        => [.. resource.Annotations.OfType<EndpointAnnotation>().Select(e => new ResourceUrl(e.Name, new EndpointReference(resource, e.Name).Url))];

    private void Fail(string message)
    {
        LogFailedToStart(resource.Name, message);
        console?.Announce($"{resource.Name}: failed to start: {message}");
        notifications.Publish(resource.Name, s => s with { State = KnownResourceStates.FailedToStart, Message = message, StoppedAt = time.GetUtcNow() });
    }

    private static string DotnetHost()
        => System.Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)
            ? host
            : Path.GetFileNameWithoutExtension(System.Environment.ProcessPath) == "dotnet" ? System.Environment.ProcessPath! : "dotnet";

    public void Dispose()
    {
        _gate.Dispose();
        _run?.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{ResourceName} started as process {ProcessId}")]
    private partial void LogStarted(string resourceName, int processId);

    [LoggerMessage(Level = LogLevel.Information, Message = "{ResourceName} exited with code {ExitCode} ({State})")]
    private partial void LogExited(string resourceName, int exitCode, string state);

    [LoggerMessage(Level = LogLevel.Error, Message = "{ResourceName} failed to start: {Reason}")]
    private partial void LogFailedToStart(string resourceName, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Line}")]
    private partial void LogResourceLine(string line);
}
