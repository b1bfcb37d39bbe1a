using System.Text;
using System.Text.Json;

namespace PeerVault.Node.Storage;

/// <summary>What <see cref="KeyIndex.Apply"/> did with an entry.</summary>
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
/// Maps user keys to <see cref="IndexEntry"/> in memory, backed by an append-only JSON-lines log
/// that is fsynced on every change, so an acknowledged write survives a crash. At start-up the
/// log is replayed (a torn last line from a crash is ignored) and, when it holds superseded or
/// torn lines, compacted to one line per key. Alongside the entries it keeps what the cluster asks
/// of a replica all the time: the keys and the digest of each partition, keys in order for
/// listing, live and tombstone counts, and how many entries reference each blob.
/// </summary>
public sealed class KeyIndex : IDisposable
{
    private readonly Dictionary<string, IndexEntry> _entries = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _ordered = new(StringComparer.Ordinal);
    private readonly HashSet<string>?[] _partitionKeys = new HashSet<string>?[KeyPartition.Count];
    private readonly PartitionDigest[] _digests = new PartitionDigest[KeyPartition.Count];
    private readonly Dictionary<string, int> _blobReferences = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private readonly string _path;
    private FileStream _log;
    private int _live;
    private int _tombstones;
    private ObjectVersion _maxVersion;

    public KeyIndex(string path, ILogger logger)
    {
        _path = path;
        var (lines, torn) = Load();
        if (torn > 0)
        {
            logger.LogWarning("Ignored {TornLines} unreadable line(s) in {IndexPath}, left by an interrupted write", torn, path);
        }

        // Rewrite only when there is something to drop; a torn line must go before anything is appended after it.
        _log = torn > 0 || lines > _entries.Count
            ? Compact()
            : new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.Read);
    }

    /// <summary>Keys with a live (not deleted) entry.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _live;
            }
        }
    }

    /// <summary>Keys whose current entry is a tombstone, waiting to be collected.</summary>
    public int Tombstones
    {
        get
        {
            lock (_lock)
            {
                return _tombstones;
            }
        }
    }

    /// <summary>The newest version this index holds or has held, so a restarted node's clock starts past its own writes.</summary>
    public ObjectVersion MaxVersion
    {
        get
        {
            lock (_lock)
            {
                return _maxVersion;
            }
        }
    }

    /// <summary>Whether the log file is still where it was opened (false once the data directory was removed under the node).</summary>
    public bool LogPresent => File.Exists(_path);

    /// <summary>
    /// Writes what this index holds to a fresh log at its path and appends there from now on: after
    /// the data directory (and the log with it) was removed under a running node, the entries in
    /// memory are the last state the node acknowledged, so they are made durable again rather than
    /// forgotten (a tombstone may exist nowhere else).
    /// </summary>
    public void RewriteLog()
    {
        lock (_lock)
        {
            var previous = _log;
            _log = Compact();
            previous.Dispose();
        }
    }

    public bool TryGet(string key, out IndexEntry entry)
    {
        lock (_lock)
        {
            return _entries.TryGetValue(key, out entry!);
        }
    }

    public IReadOnlyList<IndexEntry> Snapshot()
    {
        lock (_lock)
        {
            return [.. _entries.Values];
        }
    }

    public bool References(BlobId blob)
    {
        lock (_lock)
        {
            return _blobReferences.ContainsKey(blob.Value);
        }
    }

    /// <summary>
    /// Runs <paramref name="release"/> (deleting the blob) only if no entry references it, atomically
    /// with respect to <see cref="Apply"/>, so a blob that a concurrent write just made current is
    /// never removed under it.
    /// </summary>
    public bool ReleaseIfUnreferenced(BlobId blob, Action<BlobId> release)
    {
        ArgumentNullException.ThrowIfNull(release);
        lock (_lock)
        {
            if (_blobReferences.ContainsKey(blob.Value))
            {
                return false;
            }

            release(blob);
            return true;
        }
    }

    public PartitionDigest DigestOf(int partition)
    {
        lock (_lock)
        {
            return _digests[partition];
        }
    }

    public int CountIn(int partition)
    {
        lock (_lock)
        {
            return _partitionKeys[partition]?.Count ?? 0;
        }
    }

    /// <summary>Every entry (tombstones included) of one partition.</summary>
    public IReadOnlyList<IndexEntry> EntriesIn(int partition)
    {
        lock (_lock)
        {
            return _partitionKeys[partition] is { } keys ? [.. keys.Select(k => _entries[k])] : [];
        }
    }

    /// <summary>The partitions that hold at least one entry.</summary>
    public IReadOnlyList<int> OccupiedPartitions()
    {
        lock (_lock)
        {
            return [.. Enumerable.Range(0, KeyPartition.Count).Where(p => _partitionKeys[p] is { Count: > 0 })];
        }
    }

    /// <summary>
    /// Up to <paramref name="limit"/> entries in key order, starting after <paramref name="after"/>,
    /// whose keys start with <paramref name="prefix"/>; tombstones included so a coordinator can let
    /// a newer delete hide an older copy elsewhere.
    /// </summary>
    public IReadOnlyList<IndexEntry> Page(string? prefix, string? after, int limit)
    {
        lock (_lock)
        {
            var start = after is null ? prefix ?? string.Empty : string.CompareOrdinal(after, prefix) >= 0 ? after : prefix!;
            var view = _ordered.Count == 0 || string.CompareOrdinal(start, _ordered.Max) > 0
                ? Enumerable.Empty<string>()
                : _ordered.GetViewBetween(start, _ordered.Max!);
            return [.. view
                .Where(k => after is null || string.CompareOrdinal(k, after) > 0)
                .TakeWhile(k => prefix is null || k.StartsWith(prefix, StringComparison.Ordinal))
                .Take(limit)
                .Select(k => _entries[k])];
        }
    }

    /// <summary>
    /// Records <paramref name="entry"/> durably if it is newer than what the key holds. Returns the
    /// blob that no entry references any more, if any, so the caller can delete it.
    /// </summary>
    public ApplyOutcome Apply(IndexEntry entry, out BlobId? orphan)
    {
        ArgumentNullException.ThrowIfNull(entry);
        orphan = null;
        lock (_lock)
        {
            _entries.TryGetValue(entry.Key, out var existing);
            if (existing is not null)
            {
                if (existing.Version == entry.Version)
                {
                    return ApplyOutcome.Duplicate;
                }

                if (!entry.Supersedes(existing))
                {
                    return ApplyOutcome.Superseded;
                }
            }

            Append(entry);
            Track(entry, existing, ref orphan);
            return ApplyOutcome.Applied;
        }
    }

    /// <summary>
    /// Drops the key from this node (it now lives on other replicas, or its tombstone was collected),
    /// only if it still holds <paramref name="version"/>. Returns the blob that became unreferenced.
    /// </summary>
    public bool Forget(string key, ObjectVersion version, out BlobId? orphan)
    {
        orphan = null;
        lock (_lock)
        {
            if (!_entries.TryGetValue(key, out var existing) || existing.Version != version)
            {
                return false;
            }

            Append(existing with { Forgotten = true });
            Untrack(existing, ref orphan);
            return true;
        }
    }

    private void Append(IndexEntry line)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(line, StorageJsonContext.Default.IndexEntry);
        _log.Write(bytes);
        _log.WriteByte((byte)'\n');
        _log.Flush(flushToDisk: true);

        // An unlinked log takes appends without complaint: a change written there would be lost at
        // the next start, so it must fail (the caller answers with an error, nothing is acknowledged).
        if (!LogPresent)
        {
            throw new StorageUnavailableException("The index log was removed under the node; the change was not stored.");
        }
    }

    private void Track(IndexEntry entry, IndexEntry? existing, ref BlobId? orphan)
    {
        if (existing is not null)
        {
            Untrack(existing, ref orphan);
        }

        var partition = KeyPartition.Of(entry.Key);
        _entries[entry.Key] = entry;
        _ordered.Add(entry.Key);
        (_partitionKeys[partition] ??= new HashSet<string>(StringComparer.Ordinal)).Add(entry.Key);
        _digests[partition] = _digests[partition].Xor(PartitionDigest.Of(entry));
        _live += entry.Deleted ? 0 : 1;
        _tombstones += entry.Deleted ? 1 : 0;
        _maxVersion = ObjectVersion.Max(_maxVersion, entry.Version);
        if (entry.BlobId is not null)
        {
            _blobReferences[entry.BlobId] = _blobReferences.GetValueOrDefault(entry.BlobId) + 1;
            if (orphan is { } released && released.Value == entry.BlobId)
            {
                orphan = null;
            }
        }
    }

    private void Untrack(IndexEntry existing, ref BlobId? orphan)
    {
        var partition = KeyPartition.Of(existing.Key);
        _entries.Remove(existing.Key);
        _ordered.Remove(existing.Key);
        _partitionKeys[partition]?.Remove(existing.Key);
        _digests[partition] = _digests[partition].Xor(PartitionDigest.Of(existing));
        _live -= existing.Deleted ? 0 : 1;
        _tombstones -= existing.Deleted ? 1 : 0;
        if (existing.BlobId is { } old)
        {
            var left = _blobReferences.GetValueOrDefault(old) - 1;
            if (left <= 0)
            {
                _blobReferences.Remove(old);
                orphan = Storage.BlobId.TryParse(old, out var id) ? id : null;
            }
            else
            {
                _blobReferences[old] = left;
            }
        }
    }

    /// <summary>Replays the log; returns how many lines it held and how many of them were unreadable.</summary>
    private (int Lines, int Torn) Load()
    {
        if (!File.Exists(_path))
        {
            return (0, 0);
        }

        var lines = 0;
        var torn = 0;
        foreach (var line in File.ReadLines(_path, Encoding.UTF8))
        {
            if (line.Length == 0)
            {
                continue;
            }

            lines++;
            IndexEntry? entry;
            try
            {
                entry = JsonSerializer.Deserialize(line, StorageJsonContext.Default.IndexEntry);
            }
            catch (JsonException)
            {
                torn++;
                continue;
            }

            if (entry is null || !ObjectKey.Validate(entry.Key, out _))
            {
                torn++;
                continue;
            }

            BlobId? ignored = null;
            _entries.TryGetValue(entry.Key, out var existing);
            if (entry.Forgotten)
            {
                if (existing is not null && existing.Version == entry.Version)
                {
                    Untrack(existing, ref ignored);
                }
            }
            else if (existing is null || entry.Supersedes(existing))
            {
                Track(entry, existing, ref ignored);
            }
        }

        return (lines, torn);
    }

    /// <summary>Rewrites the log with one line per key (temp file, fsync, rename) and opens it for appending.</summary>
    private FileStream Compact()
    {
        var temporary = _path + ".compact";
        using (var writer = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            foreach (var entry in _entries.Values)
            {
                writer.Write(JsonSerializer.SerializeToUtf8Bytes(entry, StorageJsonContext.Default.IndexEntry));
                writer.WriteByte((byte)'\n');
            }

            writer.Flush(flushToDisk: true);
        }

        File.Move(temporary, _path, overwrite: true);
        DirectorySync.Flush(Path.GetDirectoryName(Path.GetFullPath(_path))!);
        return new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.Read);
    }

    public void Dispose() => _log.Dispose();
}
