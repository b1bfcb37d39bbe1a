namespace PeerVault.Node.Storage;

/// <summary>
/// Sealed objects on disk, named by their SHA-256: <c>blobs/ab/cd/abcd…</c>. Writes land in
/// <c>tmp/</c> and become visible only by an atomic rename once the file is durable, and the rename
/// is made durable before the blob is reported stored, so a crash leaves either the whole blob or
/// nothing (plus a temp file that start-up removes). On Linux both steps are shared flushes of the
/// file system (<see cref="FileSystemFlush"/>, group commit); elsewhere, an fsync of the file and
/// of its directory. A blob
/// that fails verification is moved to <c>quarantine/</c>, never deleted: it is evidence.
/// </summary>
public sealed class BlobStore
{
    private readonly string _root;
    private readonly string _blobs;
    private readonly string _temporary;
    private readonly string _quarantine;
    private readonly FileSystemFlush? _flush;

    public BlobStore(string root)
    {
        _root = root;
        _flush = FileSystemFlush.IsSupported ? new FileSystemFlush(root) : null;
        _blobs = Path.Combine(root, "blobs");
        _temporary = Path.Combine(root, "tmp");
        _quarantine = Path.Combine(root, "quarantine");
        EnsureLayout();
    }

    /// <summary>Where quarantined blobs go (for operators and tests).</summary>
    public string QuarantineDirectory => _quarantine;

    /// <summary>Whether <c>blobs/</c> and <c>tmp/</c> are both there (the data directory was not removed under the node).</summary>
    public bool LayoutPresent => Directory.Exists(_blobs) && Directory.Exists(_temporary);

    /// <summary>Creates the data directory's folders if they are missing; throws when that is impossible.</summary>
    public void EnsureLayout()
    {
        Directory.CreateDirectory(_blobs);
        Directory.CreateDirectory(_temporary);
    }

    /// <summary>Writes and removes a small file in <c>tmp/</c>: throws if the disk does not take writes.</summary>
    public void ProbeWrite()
    {
        var probe = Path.Combine(_temporary, ".probe");
        File.WriteAllBytes(probe, [1]);
        File.Delete(probe);
    }

    /// <summary>Moves a blob out of <c>blobs/</c> into <c>quarantine/</c>; returns where to, or null if it was not there.</summary>
    public string? Quarantine(BlobId id)
    {
        var path = PathOf(id);
        if (!File.Exists(path))
        {
            return null;
        }

        Directory.CreateDirectory(_quarantine);
        var target = Path.Combine(_quarantine, $"{id.Value}.{DateTime.UtcNow:yyyyMMdd'T'HHmmssfff'Z'}");
        try
        {
            File.Move(path, target, overwrite: false);
        }
        catch (FileNotFoundException)
        {
            return null;
        }

        DirectorySync.Flush(_quarantine);
        return target;
    }

    /// <summary>The data directory the store lives in.</summary>
    public string Root => _root;

    public BlobWriteStream CreateWriter() => new(Path.Combine(_temporary, $"{Guid.NewGuid():N}.tmp"));

    /// <summary>
    /// Makes the writer's bytes a durable blob. With <paramref name="expected"/>, bytes whose hash
    /// differs are refused (and the caller's dispose of the writer removes them). <paramref name="beforeVisible"/>
    /// runs once the id is known and before the blob appears under <c>blobs/</c> (the object store
    /// pins it there, so a sweep never sees it unreferenced and unpinned).
    /// </summary>
    public async Task<BlobId> CommitAsync(BlobWriteStream writer, BlobId? expected, Action<BlobId> beforeVisible)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(beforeVisible);

        // The bytes must be durable before their name appears: a crash must never leave a blob
        // under its hash with other bytes in it (a later write of the same object would trust it).
        var id = _flush is null ? writer.FlushToDisk() : writer.CloseUnflushed();
        if (expected is { } want && want != id)
        {
            throw new ObjectIntegrityException($"Received bytes hash to {id} but were announced as {want}.");
        }

        if (_flush is not null)
        {
            await _flush.FlushAsync();
        }

        beforeVisible(id);
        var path = PathOf(id);
        var directory = Path.GetDirectoryName(path)!;
        if (!Directory.Exists(directory))
        {
            Directory.CreateDirectory(directory);
            if (_flush is null)
            {
                // New fan-out folders must themselves survive a crash.
                DirectorySync.Flush(Path.GetDirectoryName(directory)!);
                DirectorySync.Flush(_blobs);
            }
        }

        try
        {
            File.Move(writer.TemporaryPath, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            // Content addressed: the same hash is the same bytes (perhaps written a moment ago by a
            // concurrent transfer of the same object, whose rename the flush below covers too).
            File.Delete(writer.TemporaryPath);
        }

        if (_flush is null)
        {
            DirectorySync.Flush(directory);
        }
        else
        {
            await _flush.FlushAsync();
        }

        return id;
    }

    /// <summary>File-system flushes shared by blob commits so far (0 where each blob has its own fsyncs).</summary>
    public long SharedFlushes => _flush?.Flushes ?? 0;

    public bool Exists(BlobId id) => File.Exists(PathOf(id));

    public FileStream OpenRead(BlobId id) => new(PathOf(id), new FileStreamOptions
    {
        Mode = FileMode.Open,
        Access = FileAccess.Read,
        Share = FileShare.Read | FileShare.Delete,
        BufferSize = 0,
        Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
    });

    /// <summary>Blobs up to this size are read whole by <see cref="OpenReadWhole"/>.</summary>
    public const int WholeReadLimit = 64 << 10;

    /// <summary>
    /// Opens a blob to serve it: one of at most <see cref="WholeReadLimit"/> bytes is read whole at
    /// once, synchronously (it is in the page cache, and an asynchronous file read on Linux is a
    /// thread-pool hop per read, several per small object); a larger one streams as
    /// <see cref="OpenRead"/>. The bytes are verified by whoever reads them, as ever.
    /// </summary>
    public Stream OpenReadWhole(BlobId id)
    {
        using (var handle = File.OpenHandle(PathOf(id), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete))
        {
            var length = RandomAccess.GetLength(handle);
            if (length <= WholeReadLimit)
            {
                var bytes = new byte[length];
                var read = 0;
                while (read < bytes.Length)
                {
                    var n = RandomAccess.Read(handle, bytes.AsSpan(read), read);
                    if (n == 0)
                    {
                        // Shorter than a moment ago: serve what is there; verification will say what is missing.
                        Array.Resize(ref bytes, read);
                        break;
                    }

                    read += n;
                }

                return new MemoryStream(bytes, writable: false);
            }
        }

        return OpenRead(id);
    }

    /// <summary>When the blob was written, or null if it is not there.</summary>
    public DateTimeOffset? WrittenAt(BlobId id)
    {
        var info = new FileInfo(PathOf(id));
        return info.Exists ? info.LastWriteTimeUtc : null;
    }

    public void Delete(BlobId id)
    {
        var path = PathOf(id);
        if (File.Exists(path))
        {
            File.Delete(path);
        }
    }

    /// <summary>Removes what interrupted writes left behind; returns how many files that was.</summary>
    public int RemoveTemporaryFiles()
    {
        var removed = 0;
        if (!Directory.Exists(_temporary))
        {
            return 0;
        }

        foreach (var file in Directory.EnumerateFiles(_temporary))
        {
            File.Delete(file);
            removed++;
        }

        return removed;
    }

    public IEnumerable<BlobId> EnumerateBlobs()
    {
        if (!Directory.Exists(_blobs))
        {
            yield break;
        }

        foreach (var file in Directory.EnumerateFiles(_blobs, "*", SearchOption.AllDirectories))
        {
            if (BlobId.TryParse(Path.GetFileName(file), out var id))
            {
                yield return id;
            }
        }
    }

    /// <summary>The blob's file (it may not exist).</summary>
    public string PathOf(BlobId id) => Path.Combine(_blobs, id.Value[..2], id.Value[2..4], id.Value);
}
