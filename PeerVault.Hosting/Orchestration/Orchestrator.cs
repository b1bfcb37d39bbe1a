using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Logging;

namespace Aspire.Hosting.Orchestration;

/// <summary>
/// Runs the application model on this machine: allocates ports, starts every project resource
/// as its own process (each waiting for its dependencies), and stops them all on shutdown.
/// </summary>
internal sealed class Orchestrator(
    IReadOnlyList<IResource> resources,
    OrchestratorOptions options,
    ResourceNotificationService notifications,
    ResourceLoggerService logs,
    ILoggerFactory loggerFactory,
    TimeProvider time) : IAsyncDisposable
{
    private readonly Dictionary<string, ProjectRunner> _runners = new(StringComparer.Ordinal);
    private CancellationTokenSource _stopping = new();

    public void Start()
    {
        var projects = resources.OfType<ProjectResource>().ToList();
        var endpoints = projects.SelectMany(p => p.Annotations.OfType<EndpointAnnotation>()).ToList();
        var ports = PortAllocator.Allocate(endpoints.Count(e => e.Port is null));
        var next = 0;
        foreach (var endpoint in endpoints)
        {
            endpoint.AllocatedPort = endpoint.Port ?? ports[next++];
        }

        var console = options.WriteToConsole ? new ConsoleOutput(projects.Select(p => p.Name)) : null;
        foreach (var project in projects)
        {
            notifications.Register(new ResourceSnapshot { Name = project.Name, ResourceType = "Project" });
            _runners[project.Name] = new ProjectRunner(project, options, notifications, logs, console, loggerFactory.CreateLogger($"{project.Name}"), time);
        }

        foreach (var runner in _runners.Values)
        {
            _ = runner.StartAsync(_stopping.Token);
        }
    }

    public async Task<ExecuteCommandResult> ExecuteCommandAsync(string resourceName, string command)
    {
        if (!_runners.TryGetValue(resourceName, out var runner))
        {
            return new ExecuteCommandResult(false, $"No resource named '{resourceName}'.");
        }

        try
        {
            switch (command)
            {
                case KnownResourceCommands.StartCommand:
                    await runner.StartAsync(_stopping.Token);
                    break;
                case KnownResourceCommands.StopCommand:
                    await runner.StopAsync();
                    break;
                case KnownResourceCommands.RestartCommand:
                    await runner.StopAsync();
                    await runner.StartAsync(_stopping.Token);
                    break;
                default:
                    return new ExecuteCommandResult(false, $"Unknown command '{command}'; resources support start, stop and restart.");
            }

            return new ExecuteCommandResult(true, null);
        }
        catch (InvalidOperationException ex)
        {
            return new ExecuteCommandResult(false, ex.Message);
        }
    }

    public async Task StopAsync()
    {
        await _stopping.CancelAsync();
        await Task.WhenAll(_runners.Values.Select(r => r.StopAsync()));
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        foreach (var runner in _runners.Values)
        {
            runner.Dispose();
        }

        _stopping.Dispose();
        _stopping = new CancellationTokenSource();
    }
}
