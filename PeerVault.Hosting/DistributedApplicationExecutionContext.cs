namespace Aspire.Hosting;

public enum DistributedApplicationOperation
{
    Run,
    Publish,
}

/// <summary>Whether this invocation runs the application or publishes its manifests.</summary>
public sealed class DistributedApplicationExecutionContext(DistributedApplicationOperation operation, string? publisher, string? outputPath)
{
    public DistributedApplicationOperation Operation { get; } = operation;

    public bool IsRunMode => Operation == DistributedApplicationOperation.Run;

    public bool IsPublishMode => Operation == DistributedApplicationOperation.Publish;

    /// <summary><c>manifest</c>, <c>docker-compose</c> or <c>kubernetes</c> (<c>--publisher</c>).</summary>
    public string? Publisher { get; } = publisher;

    public string? OutputPath { get; } = outputPath;
}
