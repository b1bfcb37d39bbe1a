namespace Aspire.Hosting.ApplicationModel;

public sealed record ExecuteCommandResult(bool Success, string? ErrorMessage);

public static class KnownResourceCommands
{
    public const string StartCommand = "start";
    public const string StopCommand = "stop";
    public const string RestartCommand = "restart";
}

/// <summary>Start, stop and restart resources of a running application.</summary>
public sealed class ResourceCommandService
{
    private Orchestration.Orchestrator? _orchestrator;

    public Task<ExecuteCommandResult> ExecuteCommandAsync(string resourceName, string commandName, CancellationToken cancellationToken = default)
        => _orchestrator is null
            ? Task.FromResult(new ExecuteCommandResult(false, "The application is not running."))
            : _orchestrator.ExecuteCommandAsync(resourceName, commandName).WaitAsync(cancellationToken);

    internal void Attach(Orchestration.Orchestrator? orchestrator) => _orchestrator = orchestrator;
}
