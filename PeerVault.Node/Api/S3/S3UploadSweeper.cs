using PeerVault.Node.Cluster.Membership;
using PeerVault.Node.Cluster.Placement;
using PeerVault.Node.Storage;

namespace PeerVault.Node.Api.S3;

/// <summary>
/// Removes multipart uploads nobody completed or aborted within <see cref="S3Options.UploadMaxAge"/>
/// (and parts a stopped completion left), once an hour and a minute after start. Each record or
/// part is removed by the first placed replica of its key only, so the nodes do not all do the
/// same deletes.
/// </summary>
public sealed partial class S3UploadSweeper(S3MultipartHandlers uploads, S3Options options, PlacementMap placement, MemberTable members, TimeProvider time, ILogger<S3UploadSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromTicks(Math.Clamp(options.UploadMaxAge.Ticks / 4, TimeSpan.FromSeconds(5).Ticks, TimeSpan.FromHours(1).Ticks));
        try
        {
            await Task.Delay(TimeSpan.FromTicks(Math.Min(interval.Ticks, TimeSpan.FromMinutes(1).Ticks)), time, stoppingToken);
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    var removed = await uploads.SweepAsync(time.GetUtcNow() - options.UploadMaxAge, IsMine, stoppingToken);
                    if (removed > 0)
                    {
                        LogSwept(removed, options.UploadMaxAge.TotalHours);
                    }
                }
                catch (Exception ex) when (ex is S3Exception or IOException or TimeoutException)
                {
                    LogSweepFailed(ex.Message);
                }

                await Task.Delay(interval, time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private bool IsMine(string key) => placement.ReplicasOf(KeyPartition.Of(key)) is { Count: > 0 } replicas && replicas[0].Id == members.SelfId;

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed {Uploads} multipart upload(s) left unfinished for more than {Hours} h, with their parts")]
    private partial void LogSwept(int uploads, double hours);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The sweep of unfinished multipart uploads failed: {Error}")]
    private partial void LogSweepFailed(string error);
}
