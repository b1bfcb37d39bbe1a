using System.Text;
using System.Text.Json;
using PeerVault.Node.Protocol;

namespace PeerVault.Node.Storage;

/// <summary>
/// Maps user keys to <see cref="IndexEntry"/> in memory, backed by an append-only JSON-lines log
/// that is fsynced on every change, so an acknowledged write survives a crash. At start-up the
/// log is replayed (a torn last line from a crash is ignored) and, when it holds superseded or
/// torn lines, compacted to one line per key.
/// </summary>
public sealed class KeyIndex : IDisposable
{
    private readonly Dictionary<string, IndexEntry> _entries = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _blobReferences = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private readonly string _path;
    private readonly TimeProvider _time;
    private readonly FileStream _log;
    private long _lastVersion;
    private int _live;

    public KeyIndex(string path, TimeProvider time, ILogger logger)
    {
        _path = path;
        _time = time;
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

    /// <summary>A version later than any this index has seen (hybrid logical clock, microsecond resolution).</summary>
    public long NextVersion()
    {
        lock (_lock)
        {
            _lastVersion = Math.Max(_time.GetUtcNow().ToUnixTimeMilliseconds() * 1000, _lastVersion + 1);
            return _lastVersion;
        }
    }

    /// <summary>
    /// Records <paramref name="entry"/> durably if it supersedes what the key holds. Returns the
    /// blob that no entry references any more, if any, so the caller can delete it.
    /// </summary>
    public bool Apply(IndexEntry entry, out BlobId? orphan)
    {
        orphan = null;
        lock (_lock)
        {
            _entries.TryGetValue(entry.Key, out var existing);
            if (existing is not null && !entry.Supersedes(existing))
            {
                return false;
            }

            var line = JsonSerializer.SerializeToUtf8Bytes(entry, PeerVaultJsonContext.Default.IndexEntry);
            _log.Write(line);
            _log.WriteByte((byte)'\n');
            _log.Flush(flushToDisk: true);

            Track(entry, existing, ref orphan);
            _lastVersion = Math.Max(_lastVersion, entry.Version);
            return true;
        }
    }

    private void Track(IndexEntry entry, IndexEntry? existing, ref BlobId? orphan)
    {
        _entries[entry.Key] = entry;
        _live += (entry.Deleted ? 0 : 1) - (existing is null || existing.Deleted ? 0 : 1);
        if (entry.BlobId is not null)
        {
            _blobReferences[entry.BlobId] = _blobReferences.GetValueOrDefault(entry.BlobId) + 1;
        }

        if (existing?.BlobId is { } old)
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
                entry = JsonSerializer.Deserialize(line, PeerVaultJsonContext.Default.IndexEntry);
            }
            catch (JsonException)
            {
                torn++;
                continue;
            }

            if (entry is null)
            {
                continue;
            }

            _entries.TryGetValue(entry.Key, out var existing);
            if (existing is null || entry.Supersedes(existing))
            {
                BlobId? ignored = null;
                Track(entry, existing, ref ignored);
                _lastVersion = Math.Max(_lastVersion, entry.Version);
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
                writer.Write(JsonSerializer.SerializeToUtf8Bytes(entry, PeerVaultJsonContext.Default.IndexEntry));
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
