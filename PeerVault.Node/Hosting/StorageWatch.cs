using PeerVault.Node.Storage;

namespace PeerVault.Node.Hosting;

/// <summary>
/// Probes the data directory every <see cref="StorageOptions.ProbeInterval"/>, so a directory removed
/// or made read-only under an idle node is noticed (and recreated) without waiting for a write or a
/// readiness probe to trip over it.
/// </summary>
internal sealed class StorageWatch(StorageHealth storage, StorageOptions options, TimeProvider time) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.ProbeInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                storage.Check();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
