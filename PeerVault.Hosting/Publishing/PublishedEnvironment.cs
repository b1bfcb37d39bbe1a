using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace PeerVault.Hosting.Publishing;

/// <summary>
/// A resource's environment and arguments as its callbacks describe them in publish mode, before
/// any value is resolved: strings, endpoint references, parameters, expressions. Evaluated once
/// per resource and rendered by each publisher for its own platform, as Aspire's publishers do.
/// Nothing here asks a parameter for its value, so no secret is generated, read or written.
/// </summary>
internal static class PublishedEnvironment
{
    public static async Task<IReadOnlyList<KeyValuePair<string, object>>> EvaluateAsync(IResource resource, DistributedApplicationExecutionContext executionContext, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(resource);
        var variables = new Dictionary<string, object>(StringComparer.Ordinal);
        if (resource.TryGetAnnotationsOfType<EnvironmentCallbackAnnotation>(out var callbacks))
        {
            var context = new EnvironmentCallbackContext(executionContext, resource, variables, cancellationToken);
            foreach (var callback in callbacks)
            {
                await callback.Callback(context);
            }
        }

        return [.. variables];
    }

    public static async Task<IReadOnlyList<object>> EvaluateArgumentsAsync(IResource resource, DistributedApplicationExecutionContext executionContext, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(resource);
        var arguments = new List<object>();
        if (resource.TryGetAnnotationsOfType<CommandLineArgsCallbackAnnotation>(out var callbacks))
        {
            var context = new CommandLineArgsCallbackContext(arguments, resource, cancellationToken) { ExecutionContext = executionContext };
            foreach (var callback in callbacks)
            {
                await callback.Callback(context);
            }
        }

        return arguments;
    }
}
