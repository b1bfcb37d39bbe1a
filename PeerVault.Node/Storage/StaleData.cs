namespace PeerVault.Node.Storage;

/// <summary>
/// A node that was down longer than the cluster keeps tombstones may hold objects that were deleted
/// (and whose tombstones were collected) while it was away; if it rejoined with them, they would
/// come back to life. Such a node rejoins empty: its blobs and index are moved (not deleted) into
/// <c>stale/&lt;time&gt;</c> under its data directory, for an operator to inspect or restore.
/// </summary>
public static class StaleData
{
    /// <summary>Moves the node's data aside if it was last alive before <paramref name="oldestAcceptable"/>; returns where to, or null.</summary>
    public static string? MoveAsideIfAwaySince(string dataDirectory, DateTimeOffset? lastAlive, DateTimeOffset oldestAcceptable, DateTimeOffset now)
    {
        // The index database with its write-ahead log (which may hold committed changes) and, from a
        // release before the database, the JSON-lines log.
        var indexFiles = new[] { KeyIndex.FileName, KeyIndex.FileName + "-wal", KeyIndex.FileName + "-shm", "index.log" }
            .Where(name => File.Exists(Path.Combine(dataDirectory, name)))
            .ToList();
        var blobs = Path.Combine(dataDirectory, "blobs");
        if (lastAlive is not { } seen || seen >= oldestAcceptable || (indexFiles.Count == 0 && !Directory.Exists(blobs)))
        {
            return null;
        }

        var target = Path.Combine(dataDirectory, "stale", now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture));
        Directory.CreateDirectory(target);
        foreach (var name in indexFiles)
        {
            File.Move(Path.Combine(dataDirectory, name), Path.Combine(target, name));
        }

        if (Directory.Exists(blobs))
        {
            Directory.Move(blobs, Path.Combine(target, "blobs"));
        }

        DirectorySync.Flush(dataDirectory);
        return target;
    }
}
