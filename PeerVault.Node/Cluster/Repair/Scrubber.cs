using System.Diagnostics;
using PeerVault.Node.Diagnostics;
using PeerVault.Node.Storage;

namespace PeerVault.Node.Cluster.Repair;

/// <summary>What one scrub pass found.</summary>
public sealed record ScrubReport(int Blobs, long Bytes, int Corrupt, int Missing, int Repaired, TimeSpan Duration);

/// <summary>
/// Verifies every blob this node holds, in the background, so a copy that rotted on disk is found
/// before a client needs it: each live index entry's blob is read whole (at most
/// <see cref="StorageOptions.ScrubBytesPerSecond"/>) and checked (every chunk's tag, sizes, the SHA-256
/// it is named by). A corrupt blob is moved to quarantine, a missing one (lost with the data
/// directory) noted, and both are restored from a replica through <see cref="LocalRepair"/>. A pass
/// runs every <see cref="StorageOptions.ScrubInterval"/>, and at once when the data directory had to
/// be recreated.
/// </summary>
public sealed partial class Scrubber(
    ObjectStore store,
    StorageHealth storage,
    LocalRepair repair,
    ScrubThrottle throttle,
    StorageOptions options,
    NodeMetrics metrics,
    ILogger<Scrubber> logger) : BackgroundService
{
    private readonly SemaphoreSlim _wake = new(0, 1);
    private long _passBytes;
    private long _passDone;

    /// <summary>The last finished pass, if any.</summary>
    public ScrubReport? LastPass { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        metrics.ObserveScrubProgress(Progress);
        storage.Restored += Wake;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await _wake.WaitAsync(options.ScrubInterval, stoppingToken);
                try
                {
                    await RunPassAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // A failed pass must never end the node; the next one starts from scratch.
                    LogPassFailed(ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            storage.Restored -= Wake;
        }
    }

    /// <summary>Verifies every blob once and repairs what fails; returns what it found.</summary>
    public async Task<ScrubReport> RunPassAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        // One entry per blob, read a page at a time: a node with millions of keys never holds them all.
        var entries = store.Index.EnumerateBlobs();
        Interlocked.Exchange(ref _passBytes, Math.Max(1, store.Index.LiveSealedBytes));
        Interlocked.Exchange(ref _passDone, 0);
        int blobs = 0, corrupt = 0, missing = 0, repaired = 0;
        long bytes = 0;
        foreach (var entry in entries)
        {
            if (!storage.IsWritable)
            {
                // A node that cannot store cannot repair either; the next pass picks up from scratch.
                break;
            }

            // The key may have moved on since the snapshot: check what the index holds now.
            if (!store.Index.TryGet(entry.Key, out var current) || current.BlobId != entry.BlobId)
            {
                Interlocked.Add(ref _passDone, entry.SealedLength);
                continue;
            }

            var problem = await CheckAsync(entry, cancellationToken);
            blobs++;
            bytes += entry.SealedLength;
            metrics.Scrubbed(entry.SealedLength);
            if (problem is null)
            {
                continue;
            }

            if (problem == "missing")
            {
                missing++;
            }
            else
            {
                corrupt++;
            }

            metrics.ScrubFound(problem == "missing" ? "missing" : "corrupt");
            if (await repair.RestoreAsync(entry, cancellationToken) is { } source)
            {
                repaired++;
                metrics.ScrubRepaired();
                LogRepaired(entry.Key, entry.BlobId, source);
            }
        }

        Interlocked.Exchange(ref _passDone, Interlocked.Read(ref _passBytes));
        var report = new ScrubReport(blobs, bytes, corrupt, missing, repaired, Stopwatch.GetElapsedTime(started));
        LastPass = report;
        LogPassFinished(report.Blobs, report.Bytes, report.Corrupt, report.Missing, report.Repaired, report.Duration.TotalSeconds);
        return report;
    }

    /// <summary>Null when the blob is whole; "missing" or the reason it failed (the blob is then quarantined).</summary>
    private async Task<string?> CheckAsync(IndexEntry entry, CancellationToken cancellationToken)
    {
        if (!store.Blobs.Exists(BlobId.Parse(entry.BlobId)))
        {
            LogMissing(entry.Key, entry.BlobId);
            Interlocked.Add(ref _passDone, entry.SealedLength);
            return "missing";
        }

        try
        {
            await store.VerifyAsync(entry, Paced, cancellationToken);
            return null;
        }
        catch (ObjectIntegrityException ex)
        {
            LogCorrupt(entry.Key, entry.BlobId, ex.Message);
            store.Quarantine(entry, ex);
            return ex.Message;
        }
        catch (FileNotFoundException)
        {
            // Quarantined or replaced by a read meanwhile: that read repairs it.
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The disk, not the blob: the storage probe takes it from here (and the pass stops).
            storage.ReportFault(ex);
            return null;
        }
    }

    private async ValueTask Paced(int bytes, CancellationToken cancellationToken)
    {
        Interlocked.Add(ref _passDone, bytes);
        await throttle.SpendAsync(bytes, cancellationToken);
    }

    private double Progress()
    {
        var total = Interlocked.Read(ref _passBytes);
        return total == 0 ? 0 : Math.Min(1, Interlocked.Read(ref _passDone) / (double)total);
    }

    private void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // A pass is already due.
        }
    }

    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A scrub pass failed")]
    private partial void LogPassFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Scrub: blob {BlobId} of {Key} is corrupt ({Reason}); quarantined, restoring it from a replica")]
    private partial void LogCorrupt(string key, string? blobId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scrub: blob {BlobId} of {Key} is missing; restoring it from a replica")]
    private partial void LogMissing(string key, string? blobId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Scrub: repaired {Key} (blob {BlobId}) from {PeerName}")]
    private partial void LogRepaired(string key, string? blobId, string peerName);

    [LoggerMessage(Level = LogLevel.Information, Message = "Scrub pass finished: {Blobs} blob(s), {Bytes} bytes checked; {Corrupt} corrupt, {Missing} missing, {Repaired} repaired in {Seconds:F1} s")]
    private partial void LogPassFinished(int blobs, long bytes, int corrupt, int missing, int repaired, double seconds);
}
