using PeerVault.Node.Security;

namespace PeerVault.Node.Storage;

/// <summary>
/// Whether this node can store right now, and the one place that puts its data directory back
/// together. <see cref="Check"/> (run by a periodic probe, by the readiness check and after any write
/// that failed on the disk) looks for the layout (<c>blobs/</c>, <c>tmp/</c>, the index log,
/// <c>node.id</c>), recreates what is missing, and writes a probe file. While that fails the node is
/// unready and refuses writes with <see cref="Problem"/>, a reason without paths.
/// <para>
/// A directory removed under a running node takes its blobs and its index log with it. The index in
/// memory is the last state this node acknowledged, so it is written back to a fresh log instead of
/// being forgotten (a tombstone may exist nowhere else, and forgetting it would bring a deleted object
/// back). Its live entries then point to blobs that are gone: <see cref="ObjectStore.TryGetLocal"/>
/// says so, reads of those keys are served from replicas (and keep a copy here), peers are told this
/// node lacks the blob, and <see cref="Restored"/> starts a scrub pass that pulls every missing blob
/// back from a replica. Nothing answers "not found" from this node's memory alone: a read always asks
/// the key's placed replicas.
/// </para>
/// </summary>
public sealed partial class StorageHealth(BlobStore blobs, KeyIndex index, NodeIdentity identity, ILogger<StorageHealth> logger)
{
    public const string NodeIdFileName = "node.id";

    private readonly Lock _lock = new();
    private string? _problem;
    private int _restores;

    /// <summary>Raised (off the lock) when the layout had to be recreated: local blobs may be missing and should be restored.</summary>
    public event Action? Restored;

    /// <summary>False while the data directory is missing or cannot be written.</summary>
    public bool IsWritable => Volatile.Read(ref _problem) is null;

    /// <summary>Why the node cannot store (no paths: it goes into answers to clients), or null.</summary>
    public string? Problem => Volatile.Read(ref _problem);

    /// <summary>Throws <see cref="StorageUnavailableException"/> while the node cannot store.</summary>
    public void ThrowIfUnwritable()
    {
        if (Problem is { } problem)
        {
            throw new StorageUnavailableException(problem);
        }
    }

    /// <summary>
    /// A write failed with <paramref name="exception"/>: checks the disk at once (the exception alone
    /// does not say whether the disk or, say, a peer's stream failed). Returns false when the failure
    /// was the storage's: the node cannot store, or it could again only because the check had to put a
    /// vanished data directory back (the write that failed went to the directory that vanished, and
    /// is lost; its client must be told to retry, not that the node failed).
    /// </summary>
    public bool ReportFault(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (exception is not (IOException or UnauthorizedAccessException))
        {
            return true;
        }

        var restoresBefore = Volatile.Read(ref _restores);
        return Check() && Volatile.Read(ref _restores) == restoresBefore && exception is not DirectoryNotFoundException;
    }

    /// <summary>Probes the data directory, recreating its layout when it vanished; returns whether the node can store.</summary>
    public bool Check()
    {
        var restored = false;
        lock (_lock)
        {
            try
            {
                if (!blobs.LayoutPresent || !index.FilePresent || !File.Exists(Path.Combine(blobs.Root, NodeIdFileName)))
                {
                    restored = Restore();
                }

                blobs.ProbeWrite();
                if (_problem is { } was)
                {
                    LogRecovered(blobs.Root, was);
                    Volatile.Write(ref _problem, null);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                var problem = Directory.Exists(blobs.Root)
                    ? "The node's data directory cannot be written; it takes no writes until it can."
                    : "The node's data directory is missing and cannot be recreated; it takes no writes until it can.";
                if (_problem is null)
                {
                    LogUnwritable(blobs.Root, ex.Message);
                }

                Volatile.Write(ref _problem, problem);
                return false;
            }
        }

        if (restored)
        {
            Restored?.Invoke();
        }

        return true;
    }

    /// <summary>Recreates what vanished; returns whether blobs may have been lost with it.</summary>
    private bool Restore()
    {
        Interlocked.Increment(ref _restores);
        var blobsLost = !blobs.LayoutPresent;
        blobs.EnsureLayout();
        var nodeId = Path.Combine(blobs.Root, NodeIdFileName);
        if (!File.Exists(nodeId))
        {
            // Same identity as before: peers know this node by it, and a restart must keep it.
            File.WriteAllText(nodeId, identity.Id.ToString("N"));
        }

        if (!index.FilePresent)
        {
            index.Recreate();
        }

        DirectorySync.Flush(blobs.Root);
        LogRestored(blobs.Root, index.Count, blobsLost);
        return blobsLost;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Data directory {DataDirectory} cannot be written ({Error}): the node is unready and refuses writes until it can")]
    private partial void LogUnwritable(string dataDirectory, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Data directory {DataDirectory} was removed under the node: recreated it and rewrote the index from the open database ({Entries} live keys); blobs lost: {BlobsLost}, they are restored from replicas")]
    private partial void LogRestored(string dataDirectory, int entries, bool blobsLost);

    [LoggerMessage(Level = LogLevel.Information, Message = "Data directory {DataDirectory} takes writes again (was: {Problem})")]
    private partial void LogRecovered(string dataDirectory, string problem);
}
