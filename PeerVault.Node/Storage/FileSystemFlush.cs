namespace PeerVault.Node.Storage;

/// <summary>
/// Group commit for blob files: instead of an fsync of every new file and of every directory it is
/// renamed into (two flushes per object, none shared), writers ask for a flush and wait; one
/// <c>syncfs(2)</c> of the data directory's file system then makes everything written before it
/// started durable, file data and renames alike, for every writer that was waiting. A writer that
/// asks while a flush runs waits for the next one (its bytes may have missed the running one), so
/// under load each flush covers a whole batch. Linux only; elsewhere <see cref="IsSupported"/> is
/// false and blobs keep their own fsyncs.
/// </summary>
internal sealed class FileSystemFlush(string directory)
{
    private readonly Lock _lock = new();
    private TaskCompletionSource? _next;
    private bool _running;
    private long _flushes;

    public static bool IsSupported => OperatingSystem.IsLinux();

    /// <summary>How many syncfs calls ran (fewer than requests when writers shared them).</summary>
    public long Flushes => Interlocked.Read(ref _flushes);

    /// <summary>Completes once everything written before the call is durable.</summary>
    public Task FlushAsync()
    {
        lock (_lock)
        {
            var waiting = _next ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (!_running)
            {
                StartNext();
            }

            return waiting.Task;
        }
    }

    /// <summary>Runs a flush for everyone waiting now (called under the lock).</summary>
    private void StartNext()
    {
        var batch = _next!;
        _next = null;
        _running = true;
        _ = Task.Run(() =>
        {
            try
            {
                Sync();
                batch.TrySetResult();
            }
            catch (IOException ex)
            {
                batch.TrySetException(ex);
            }

            lock (_lock)
            {
                _running = false;
                if (_next is not null)
                {
                    StartNext();
                }
            }
        });
    }

    private void Sync()
    {
        try
        {
            DirectorySync.FlushFileSystem(directory);
        }
        catch (IOException ex) when (!Directory.Exists(directory))
        {
            throw new StorageUnavailableException("The data directory is gone; nothing written since the last flush is durable.", ex);
        }

        Interlocked.Increment(ref _flushes);
    }
}
