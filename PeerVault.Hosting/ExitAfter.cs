using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace PeerVault.Hosting;

/// <summary>
/// <c>--exit-after &lt;resource&gt;</c>: stops the whole application once that resource has run to an
/// end, and carries its exit code out of the AppHost, so scripts and CI can run the application
/// like a command. Without the option the application runs until Ctrl+C, as Aspire's does.
/// </summary>
public sealed partial class ExitAfter
{
    public const string ConfigurationKey = "exit-after";

    private ExitAfter(string? resourceName) => ResourceName = resourceName;

    /// <summary>The resource whose end ends the application, if one was named.</summary>
    public string? ResourceName { get; }

    /// <summary>The AppHost's exit code: the resource's, once it ended; 1 if it never started.</summary>
    public int ExitCode { get; private set; }

    /// <summary>Set once the watched resource's end has stopped the application.</summary>
    private volatile bool _stopping;

    /// <summary>Reads <c>--exit-after</c>; with a resource named, watches it from the start of the run.</summary>
    public static ExitAfter FromCommandLine(IDistributedApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var exitAfter = new ExitAfter(builder.Configuration[ConfigurationKey] is { Length: > 0 } name ? name : null);
        if (exitAfter.ResourceName is not null && builder.ExecutionContext.IsRunMode)
        {
            // Started from BeforeStartEvent, not as a hosted service: Aspire's own start-up does not
            // finish while a resource waits for a dependency, and a hosted service registered after
            // it would never start to see that the dependency has failed.
            // Stopping the application while Aspire is still starting a resource that will never start
            // cancels its start-up, which the host reports as a failure: expected here, not news.
            builder.Services.AddLogging(logging => logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", level => level >= LogLevel.Information && !exitAfter._stopping));
            builder.Eventing.Subscribe<BeforeStartEvent>((e, cancellationToken) =>
            {
                var services = e.Services;
                var lifetime = services.GetRequiredService<IHostApplicationLifetime>();
                var watcher = new Watcher(
                    exitAfter,
                    services.GetRequiredService<DistributedApplicationModel>(),
                    services.GetRequiredService<ResourceNotificationService>(),
                    lifetime,
                    services.GetRequiredService<ILoggerFactory>().CreateLogger<ExitAfter>());
                _ = Task.Run(() => watcher.WatchAsync(lifetime.ApplicationStopping), CancellationToken.None);
                return Task.CompletedTask;
            });
        }

        return exitAfter;
    }

    /// <summary>
    /// Runs the application; returns the AppHost's exit code: the watched resource's, else the
    /// process's (a failed publishing step sets it).
    /// </summary>
    public async Task<int> RunAsync(DistributedApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        try
        {
            await app.RunAsync();
        }
        catch (OperationCanceledException) when (_stopping)
        {
            // Stopped on purpose while Aspire was still starting resources.
        }
        catch (IOException ex) when (IsAddressInUse(ex))
        {
            // The usual cause is another AppHost still running: one line, not a stack trace.
            Console.Error.WriteLine($"PeerVault.AppHost: cannot start: {ex.Message} Is another AppHost running? Stop it first.");
            return 3;
        }

        return ExitCode != 0 ? ExitCode : Environment.ExitCode;
    }

    /// <summary>Kestrel's bind failure (an IOException around AddressInUseException around the socket's error).</summary>
    private static bool IsAddressInUse(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            if (ex is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.AddressAlreadyInUse })
            {
                return true;
            }
        }

        return false;
    }

    private sealed class Watcher(ExitAfter exitAfter, DistributedApplicationModel model, ResourceNotificationService notifications, IHostApplicationLifetime lifetime, ILogger logger)
    {
        public async Task WatchAsync(CancellationToken stoppingToken)
        {
            var name = exitAfter.ResourceName!;
            if (!model.Resources.Any(r => string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase)))
            {
                LogUnknownResource(logger, name, string.Join(", ", model.Resources.Select(r => r.Name)));
                exitAfter.ExitCode = 2;
                exitAfter._stopping = true;
                lifetime.StopApplication();
                return;
            }

            var resource = model.Resources.First(r => string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase));
            // Waiting for a PeerVault cluster is waiting for each of its nodes.
            var dependencies = resource.TryGetAnnotationsOfType<WaitAnnotation>(out var waits)
                ? waits.SelectMany(w => w.Resource is PeerVaultClusterResource cluster ? cluster.Nodes.Select(n => n.Name) : [w.Resource.Name]).ToHashSet(StringComparer.OrdinalIgnoreCase)
                : [];
            var started = false;
            try
            {
                await foreach (var e in notifications.WatchAsync(stoppingToken))
                {
                    var state = e.Snapshot.State?.Text;
                    if (string.Equals(e.Resource.Name, name, StringComparison.OrdinalIgnoreCase))
                    {
                        started |= state == KnownResourceStates.Running;
                        if (IsEnd(e.Snapshot))
                        {
                            exitAfter.ExitCode = state == KnownResourceStates.FailedToStart ? 1 : e.Snapshot.ExitCode ?? 1;
                            LogEnded(logger, name, state!, exitAfter.ExitCode);
                            break;
                        }
                    }
                    else if (!started && dependencies.Contains(e.Resource.Name) && IsEnd(e.Snapshot))
                    {
                        // Aspire keeps a resource waiting for a dependency's health even after the
                        // dependency has died; nothing will ever start it, so say so and stop.
                        exitAfter.ExitCode = 1;
                        LogDependencyEnded(logger, name, e.Resource.Name, state!, e.Snapshot.ExitCode);
                        break;
                    }
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }

            // Let the last lines of its output reach the console before everything stops.
            await Task.Delay(TimeSpan.FromMilliseconds(500), CancellationToken.None);
            exitAfter._stopping = true;
            lifetime.StopApplication();
        }

        private static bool IsEnd(CustomResourceSnapshot snapshot)
            => snapshot.State?.Text is { } state
               && (state == KnownResourceStates.FailedToStart || (KnownResourceStates.TerminalStates.Contains(state) && snapshot.ExitCode is not null));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "'{Resource}' {State} with exit code {ExitCode}; stopping the application (--exit-after)")]
    private static partial void LogEnded(ILogger logger, string resource, string state, int exitCode);

    [LoggerMessage(Level = LogLevel.Error, Message = "'{Resource}' cannot start: it waits for '{Dependency}', which has {State} with exit code {ExitCode}; stopping the application (--exit-after)")]
    private static partial void LogDependencyEnded(ILogger logger, string resource, string dependency, string state, int? exitCode);

    [LoggerMessage(Level = LogLevel.Error, Message = "--exit-after names '{Resource}', but the application has no such resource (it has: {Resources})")]
    private static partial void LogUnknownResource(ILogger logger, string resource, string resources);
}
