namespace Aspire.Hosting.Publishing;

/// <summary>Chooses the publisher named by <c>--publisher</c>.</summary>
internal static class ManifestPublishers
{
    public static Task<int> PublishAsync(DistributedApplicationBuilder builder, CancellationToken cancellationToken)
    {
        Console.Error.WriteLine($"Unknown publisher '{builder.ExecutionContext.Publisher}'.");
        return Task.FromResult(2);
    }
}
