using System.Text.RegularExpressions;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace PeerVault.Hosting;

/// <summary>Marks a resource whose console output (or only its error output) the AppHost repeats on its own console.</summary>
public sealed class ConsoleOutputAnnotation(bool errorsOnly) : IResourceAnnotation
{
    public bool ErrorsOnly { get; } = errorsOnly;
}

public static partial class ConsoleOutputExtensions
{
    /// <summary>
    /// Repeats the resource's output on the AppHost's console, each line prefixed with the resource's
    /// name. Aspire shows resource output only in the dashboard; a short-lived resource whose result
    /// is the point (the demo) should also say it where <c>dotnet run</c> was typed.
    /// </summary>
    public static IResourceBuilder<T> WithOutputOnAppHostConsole<T>(this IResourceBuilder<T> builder, bool errorsOnly = false)
        where T : IResource
    {
        ArgumentNullException.ThrowIfNull(builder);
        var resource = builder.Resource;
        var annotation = new ConsoleOutputAnnotation(errorsOnly);
        builder.ApplicationBuilder.Eventing.Subscribe<BeforeStartEvent>((e, cancellationToken) =>
        {
            // Not a hosted service: Aspire's start-up can wait on dependencies for a long time, and
            // what the resource says while it waits (or fails to start) should reach the console too.
            var forwarder = new ConsoleOutputForwarder(e.Services.GetRequiredService<ResourceLoggerService>());
            var stopping = e.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
            _ = Task.Run(() => forwarder.ForwardAsync(resource, annotation.ErrorsOnly, stopping), CancellationToken.None);
            return Task.CompletedTask;
        });
        return builder.WithAnnotation(annotation);
    }

    private sealed class ConsoleOutputForwarder(ResourceLoggerService logs)
    {
        public async Task ForwardAsync(IResource resource, bool errorsOnly, CancellationToken stoppingToken)
        {
            try
            {
                await foreach (var batch in logs.WatchAsync(resource).WithCancellation(stoppingToken))
                {
                    foreach (var line in batch)
                    {
                        // Lines arrive as "<RFC 3339 timestamp> <text>"; the console has its own sense of time.
                        var text = Timestamp().Replace(line.Content, string.Empty, 1);
                        if (!IsOrchestratorNote(text) && (line.IsErrorMessage || !errorsOnly))
                        {
                            var writer = line.IsErrorMessage ? Console.Error : Console.Out;
                            await writer.WriteLineAsync($"{resource.Name} | {text}".AsMemory(), stoppingToken);
                        }
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
            }
        }

        /// <summary>What Aspire itself writes into a resource's log while it waits for and starts it; the dashboard shows it.</summary>
        private static bool IsOrchestratorNote(string text)
            => text.StartsWith("[sys]", StringComparison.Ordinal)
               || text.StartsWith("Waiting for resource", StringComparison.Ordinal)
               || text.StartsWith("Finished waiting for resource", StringComparison.Ordinal)
               || text.StartsWith("No custom certificate authorities", StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z ")]
    private static partial Regex Timestamp();
}
