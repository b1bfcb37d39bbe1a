using Aspire.Hosting;
using Aspire.Hosting.Pipelines;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PeerVault.Hosting.Publishing.Compose;
using PeerVault.Hosting.Publishing.Kubernetes;

namespace PeerVault.Hosting.Publishing;

/// <summary>
/// <c>--publisher manifest|docker-compose|kubernetes --output-path DIR</c>. Aspire maps
/// <c>--publisher</c> to a pipeline step only for <c>manifest</c>; any other name would run its whole
/// publish pipeline (writing parameter values under <c>~/.aspire</c> and waiting for a container
/// runtime). PeerVault adds its own compose and Kubernetes steps, selects them by publisher name,
/// and refuses names it does not know before anything runs.
/// </summary>
public static class PeerVaultPublishing
{
    public const string ManifestPublisher = "manifest";
    public const string DockerComposePublisher = "docker-compose";
    public const string KubernetesPublisher = "kubernetes";
    public const string DockerComposeStep = "publish-docker-compose";
    public const string KubernetesStep = "publish-kubernetes";

    public static IReadOnlyList<string> Publishers { get; } = [ManifestPublisher, DockerComposePublisher, KubernetesPublisher];

    /// <summary>
    /// Registers PeerVault's publishing steps and selects the one <c>--publisher</c> names. Returns
    /// false, with a message for the user, when the name is not one of <see cref="Publishers"/>.
    /// </summary>
    public static bool TryAddPeerVaultPublishing(this IDistributedApplicationBuilder builder, out string? refusal)
    {
        ArgumentNullException.ThrowIfNull(builder);
        refusal = null;
        builder.Pipeline.AddStep(DockerComposeStep, context => RunAsync(context, DockerComposePublisher, (model, output, ct) => DockerComposeGenerator.WriteAsync(model, context.ExecutionContext, output, ct)));
        builder.Pipeline.AddStep(KubernetesStep, context => RunAsync(context, KubernetesPublisher, (model, output, ct) => KubernetesGenerator.WriteAsync(model, context.ExecutionContext, output, ct)));

        var publisher = builder.Configuration["Publishing:Publisher"];
        if (publisher is null || !string.IsNullOrEmpty(builder.Configuration["Pipeline:Step"]))
        {
            // Not publishing, or the user chose a step explicitly (--step), as Aspire allows.
            return true;
        }

        var step = publisher.ToLowerInvariant() switch
        {
            ManifestPublisher => "publish-manifest",
            DockerComposePublisher => DockerComposeStep,
            KubernetesPublisher => KubernetesStep,
            _ => null,
        };
        if (step is null)
        {
            refusal = $"Unknown publisher '{publisher}'. Use one of: {string.Join(", ", Publishers)}, with --output-path <folder>.";
            return false;
        }

        builder.Configuration["Pipeline:Step"] = step;
        return true;
    }

    private static async Task RunAsync(PipelineStepContext context, string publisher, Func<Aspire.Hosting.ApplicationModel.DistributedApplicationModel, string, CancellationToken, Task<IReadOnlyList<string>>> write)
    {
        try
        {
            var options = context.Services.GetRequiredService<IOptions<PipelineOptions>>().Value;
            if (string.IsNullOrEmpty(options.OutputPath))
            {
                throw new DistributedApplicationException($"--publisher {publisher} needs --output-path <folder>.");
            }

            // The generators create the folder when they have everything to write, so a refused publish leaves nothing behind.
            var files = await write(context.Model, Path.GetFullPath(options.OutputPath), context.CancellationToken);
            foreach (var file in files)
            {
                context.Logger.LogInformation("Wrote {File}", file);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A failed pipeline step stops the host, but .NET's host still ends with exit code 0;
            // scripts and CI must see the failure (AppHost.cs returns Environment.ExitCode).
            Environment.ExitCode = 1;
            throw;
        }
    }
}
