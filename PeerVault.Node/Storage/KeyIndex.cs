using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using PeerVault.Node.Storage.Index;

namespace PeerVault.Node.Storage;

/// <summary>What <see cref="KeyIndex.ApplyAsync"/> did with an entry.</summary>
public enum ApplyOutcome
{
    /// <summary>The entry is newer than what the key held (or the key was unknown) and is now current.</summary>
    Applied,

    /// <summary>The key already holds exactly this version.</summary>
    Duplicate,

    /// <summary>The key holds a newer version; the entry lost and was not recorded.</summary>
    Superseded,
}

/// <summary>
/// Maps user keys to <see cref="IndexEntry"/>, in an SQLite database in WAL mode beside the blobs,
/// so a node holds millions of keys without holding them in memory and restarts without replaying
/// anything. Changes go through a commit queue: whatever is waiting when the writer gets to it is
/// applied in one transaction and made durable by one fsync (group commit), and each change is
/// acknowledged only after that fsync, so concurrent writers share the disk's flush instead of
/// queueing for one each. Beside the entries the database keeps, per partition, the digest and
/// counts that replicas compare all the time; they are updated in the same transaction and also
/// held in memory (4,096 small records), so those questions cost nothing. Readers use pooled
/// connections and see committed changes only.
/// </summary>
public sealed partial class KeyIndex : IDisposable
{
    /// <summary>The database's name in the data directory (with its <c>-wal</c> and <c>-shm</c> files beside it).</summary>
    public const string FileName = "index.db";

    /// <summary>The most changes one transaction takes; more wait for the next fsync.</summary>
    private const int MaxBatch = 2048;

    private readonly string _path;
    private readonly ILogger _logger;
    private readonly Channel<PendingChange> _queue = Channel.CreateUnbounded<PendingChange>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentBag<IndexConnection> _readers = [];
    private readonly PartitionSummary[] _partitions;
    private readonly Lock _writeLock = new();

    // Guards the in-memory summaries only, so that replicas comparing digests never wait for a
    // commit's fsync (which runs under the write lock).
    private readonly Lock _summaryLock = new();
    private readonly Task _committer;
    private IndexWriter _writer;
    private ObjectVersion _maxVersion;
    private int _live;
    private int _tombstones;
    private int _generation;
    private long _commits;

    public KeyIndex(string path, ILogger logger)
    {
        _path = Path.GetFullPath(path);
        _logger = logger;
        var importFrom = Path.Combine(Path.GetDirectoryName(_path)!, LegacyIndexLog.FileName);
        var import = !File.Exists(_path) && File.Exists(importFrom);
        _writer = new IndexWriter(IndexConnection.Open(_path, _generation));
        (_partitions, _maxVersion) = _writer.LoadSummaries();
        foreach (var partition in _partitions)
        {
            _live += partition.Live;
            _tombstones += partition.Tombstones;
        }

        if (import)
        {
            Import(importFrom);
        }

        _committer = Task.Run(CommitLoopAsync);
    }

    /// <summary>Keys with a live (not deleted) entry.</summary>
    public int Count => Volatile.Read(ref _live);

    /// <summary>Keys whose current entry is a tombstone, waiting to be collected.</summary>
    public int Tombstones => Volatile.Read(ref _tombstones);

    /// <summary>The sealed bytes live entries reference (a blob shared by several keys counts once per key).</summary>
    public long LiveSealedBytes
    {
        get
        {
            lock (_summaryLock)
            {
                return _partitions.Sum(p => p.SealedBytes);
            }
        }
    }

    /// <summary>The newest version this index holds or has held, so a restarted node's clock starts past its own writes.</summary>
    public ObjectVersion MaxVersion
    {
        get
        {
            lock (_summaryLock)
            {
                return _maxVersion;
            }
        }
    }

    /// <summary>Transactions committed since the index opened: fewer than changes when writers shared fsyncs.</summary>
    public long Commits => Interlocked.Read(ref _commits);

    /// <summary>Whether the database file is still where it was opened (false once the data directory was removed under the node).</summary>
    public bool FilePresent => File.Exists(_path);

    /// <summary>
    /// Writes what this index holds to a fresh database at its path and writes there from now on:
    /// after the data directory (and the database with it) was removed under a running node, the
    /// open connection still reads the unlinked file, which holds the last state the node
    /// acknowledged, so it is made durable again rather than forgotten (a tombstone may exist
    /// nowhere else).
    /// </summary>
    public void Recreate()
    {
        lock (_writeLock)
        {
            var fresh = _path + ".recreate";
            File.Delete(fresh);
            _writer.CopyTo(fresh);
            SqliteConnection.ClearAllPools();
            File.Move(fresh, _path, overwrite: true);
            DirectorySync.Flush(Path.GetDirectoryName(_path)!);
            var previous = _writer;
            _generation++;
            _writer = new IndexWriter(IndexConnection.Open(_path, _generation));
            previous.Dispose();
            while (_readers.TryTake(out var stale))
            {
                stale.Dispose();
            }
        }
    }

    public bool TryGet(string key, out IndexEntry entry)
    {
        var found = Read(c => c.Get(key));
        entry = found!;
        return found is not null;
    }

    public bool References(BlobId blob) => Read(c => c.References(blob.Value));

    /// <summary>
    /// Runs <paramref name="release"/> (deleting the blob) only if no entry references it, atomically
    /// with respect to commits, so a blob that a concurrent write just made current is never removed
    /// under it. (A write still in the queue holds a pin on its blob; see <see cref="ObjectStore"/>.)
    /// </summary>
    public bool ReleaseIfUnreferenced(BlobId blob, Action<BlobId> release)
    {
        ArgumentNullException.ThrowIfNull(release);
        lock (_writeLock)
        {
            if (_writer.Connection.References(blob.Value))
            {
                return false;
            }

            release(blob);
            return true;
        }
    }

    public PartitionDigest DigestOf(int partition)
    {
        lock (_summaryLock)
        {
            return _partitions[partition].Digest;
        }
    }

    public int CountIn(int partition)
    {
        lock (_summaryLock)
        {
            return _partitions[partition].Count;
        }
    }

    /// <summary>Every entry (tombstones included) of one partition.</summary>
    public IReadOnlyList<IndexEntry> EntriesIn(int partition) => Read(c => c.EntriesIn(partition));

    /// <summary>The partitions that hold at least one entry.</summary>
    public IReadOnlyList<int> OccupiedPartitions()
    {
        lock (_summaryLock)
        {
            var occupied = new List<int>();
            for (var partition = 0; partition < _partitions.Length; partition++)
            {
                if (_partitions[partition].Count > 0)
                {
                    occupied.Add(partition);
                }
            }

            return occupied;
        }
    }

    /// <summary>
    /// Up to <paramref name="limit"/> entries in key order (<see cref="KeyOrder"/>), starting after
    /// <paramref name="after"/>, whose keys start with <paramref name="prefix"/>; tombstones included
    /// so a coordinator can let a newer delete hide an older copy elsewhere.
    /// </summary>
    public IReadOnlyList<IndexEntry> Page(string? prefix, string? after, int limit)
    {
        prefix ??= string.Empty;
        var exclusive = after is not null && KeyOrder.Instance.Compare(after, prefix) >= 0;
        var start = exclusive ? after! : prefix;
        // Sized for the whole page up front (a listing asks for up to 10,000): growing by doubling
        // left four discarded arrays per page and ended on one in the large object heap.
        var page = new List<IndexEntry>(Math.Min(limit, 10_000));
        Read(c =>
        {
            c.Page(start, exclusive, limit, entry =>
            {
                if (!entry.Key.StartsWith(prefix, StringComparison.Ordinal))
                {
                    return false;
                }

                page.Add(entry);
                return true;
            });
            return 0;
        });
        return page;
    }

    /// <summary>One live entry per distinct blob, in blob order, a page at a time (for a pass over every blob, such as scrub).</summary>
    public IEnumerable<IndexEntry> EnumerateBlobs(int pageSize = 1024)
    {
        var after = string.Empty;
        while (true)
        {
            var from = after;
            var page = Read(c => c.BlobsAfter(from, pageSize));
            foreach (var entry in page)
            {
                yield return entry;
            }

            if (page.Count < pageSize)
            {
                yield break;
            }

            after = page[^1].BlobId!;
        }
    }

    /// <summary>
    /// Records <paramref name="entry"/> durably if it is newer than what the key holds; completes once
    /// the change is fsynced. The result names the blob the key stopped referencing, if any.
    /// </summary>
    public Task<IndexChange> ApplyAsync(IndexEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return Enqueue(new PendingChange(entry, entry.Key, entry.Version, forget: false));
    }

    /// <summary>
    /// Drops the key from this node (it now lives on other replicas, or its tombstone was collected),
    /// only if it still holds <paramref name="version"/>. <see cref="ApplyOutcome.Applied"/> means it was dropped.
    /// </summary>
    public Task<IndexChange> ForgetAsync(string key, ObjectVersion version)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Enqueue(new PendingChange(null, key, version, forget: true));
    }

    private Task<IndexChange> Enqueue(PendingChange change)
    {
        ObjectDisposedException.ThrowIf(!_queue.Writer.TryWrite(change), this);
        return change.Done.Task;
    }

    private async Task CommitLoopAsync()
    {
        var batch = new List<PendingChange>(MaxBatch);
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var change))
            {
                batch.Add(change);
            }

            Commit(batch);
            batch.Clear();
        }
    }

    /// <summary>Applies a batch in one transaction and completes each change once it is durable (or failed, all together).</summary>
    private void Commit(List<PendingChange> batch)
    {
        var results = new IndexChange[batch.Count];
        Exception? failure = null;
        lock (_writeLock)
        {
            var changed = new Dictionary<int, PartitionSummary>();
            var maxVersion = _maxVersion;
            try
            {
                _writer.Begin();
                for (var i = 0; i < batch.Count; i++)
                {
                    results[i] = batch[i].Forget
                        ? ForgetOne(batch[i].Key, batch[i].Version, changed)
                        : ApplyOne(batch[i].Entry!, changed, ref maxVersion);
                }

                foreach (var (partition, summary) in changed)
                {
                    _writer.SavePartition(partition, summary);
                }

                if (maxVersion != _maxVersion)
                {
                    _writer.SaveMaxVersion(maxVersion);
                }

                _writer.Commit();
                Interlocked.Increment(ref _commits);
                Publish(changed, maxVersion);

                // A database unlinked with its directory takes commits without complaint; a change
                // written there is only kept if Recreate copies it out, so it must not be acknowledged.
                if (!FilePresent)
                {
                    failure = new StorageUnavailableException("The index was removed under the node; the change was not stored.");
                }
            }
            catch (Exception ex)
            {
                failure = ex is SqliteException sqlite ? IndexFaults.Translate(sqlite) : ex;
                try
                {
                    _writer.Rollback();
                }
                catch (SqliteException)
                {
                    // The connection is unusable; the next batch fails the same way and says so.
                }
            }
        }

        for (var i = 0; i < batch.Count; i++)
        {
            if (failure is null)
            {
                batch[i].Done.TrySetResult(results[i]);
            }
            else
            {
                batch[i].Done.TrySetException(failure);
            }
        }

        if (failure is not null)
        {
            LogCommitFailed(batch.Count, failure.Message);
        }
    }

    private IndexChange ApplyOne(IndexEntry entry, Dictionary<int, PartitionSummary> changed, ref ObjectVersion maxVersion)
    {
        var existing = _writer.Connection.Get(entry.Key);
        if (existing is not null)
        {
            if (existing.Version == entry.Version)
            {
                return new IndexChange(ApplyOutcome.Duplicate, existing, null);
            }

            if (!entry.Supersedes(existing))
            {
                return new IndexChange(ApplyOutcome.Superseded, existing, null);
            }
        }

        var partition = KeyPartition.Of(entry.Key);
        _writer.Upsert(entry, partition);
        var summary = changed.TryGetValue(partition, out var pending) ? pending : _partitions[partition];
        changed[partition] = (existing is null ? summary : summary.Without(existing)).With(entry);
        maxVersion = ObjectVersion.Max(maxVersion, entry.Version);
        var released = existing?.BlobId is { } old && old != entry.BlobId && BlobId.TryParse(old, out var id) ? id : (BlobId?)null;
        return new IndexChange(ApplyOutcome.Applied, existing, released);
    }

    private IndexChange ForgetOne(string key, ObjectVersion version, Dictionary<int, PartitionSummary> changed)
    {
        var existing = _writer.Connection.Get(key);
        if (existing is null || existing.Version != version)
        {
            return new IndexChange(ApplyOutcome.Superseded, existing, null);
        }

        var partition = KeyPartition.Of(key);
        _writer.Delete(key);
        var summary = changed.TryGetValue(partition, out var pending) ? pending : _partitions[partition];
        changed[partition] = summary.Without(existing);
        var released = BlobId.TryParse(existing.BlobId, out var id) ? id : (BlobId?)null;
        return new IndexChange(ApplyOutcome.Applied, existing, released);
    }

    /// <summary>Makes a committed batch's summaries visible (called under the write lock).</summary>
    private void Publish(Dictionary<int, PartitionSummary> changed, ObjectVersion maxVersion)
    {
        lock (_summaryLock)
        {
            foreach (var (partition, summary) in changed)
            {
                var before = _partitions[partition];
                _partitions[partition] = summary;
                Interlocked.Add(ref _live, summary.Live - before.Live);
                Interlocked.Add(ref _tombstones, summary.Tombstones - before.Tombstones);
            }

            _maxVersion = maxVersion;
        }
    }

    /// <summary>Brings the entries of a pre-SQLite <c>index.log</c> into the database, once, then renames the log.</summary>
    private void Import(string legacyLog)
    {
        var (entries, torn) = LegacyIndexLog.Read(legacyLog);
        if (torn > 0)
        {
            LogTornLines(torn, legacyLog);
        }

        var batch = entries.Select(e => new PendingChange(e, e.Key, e.Version, forget: false)).ToList();
        Commit(batch);
        if (batch.FirstOrDefault()?.Done.Task.Exception is { } failed)
        {
            throw failed.InnerException!;
        }

        File.Move(legacyLog, legacyLog + ".imported", overwrite: true);
        LogImported(entries.Count, legacyLog);
    }

    private T Read<T>(Func<IndexConnection, T> query)
    {
        var generation = Volatile.Read(ref _generation);
        if (!_readers.TryTake(out var connection) || connection.Generation != generation)
        {
            connection?.Dispose();
            connection = IndexConnection.Open(_path, generation);
        }

        try
        {
            var result = query(connection);
            _readers.Add(connection);
            return result;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        _queue.Writer.TryComplete();
        _committer.GetAwaiter().GetResult();
        lock (_writeLock)
        {
            _writer.Dispose();
        }

        while (_readers.TryTake(out var reader))
        {
            reader.Dispose();
        }
    }

    private sealed class PendingChange(IndexEntry? entry, string key, ObjectVersion version, bool forget)
    {
        public IndexEntry? Entry { get; } = entry;

        public string Key { get; } = key;

        public ObjectVersion Version { get; } = version;

        public bool Forget { get; } = forget;

        public TaskCompletionSource<IndexChange> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ignored {TornLines} unreadable line(s) in {IndexPath}, left by an interrupted write")]
    private partial void LogTornLines(int tornLines, string indexPath);

    [LoggerMessage(Level = LogLevel.Information, Message = "Imported {Entries} entries from the previous index format ({IndexPath}) into the index database")]
    private partial void LogImported(int entries, string indexPath);

    [LoggerMessage(Level = LogLevel.Error, Message = "The index could not commit {Changes} change(s); none was acknowledged: {Error}")]
    private partial void LogCommitFailed(int changes, string error);
}
