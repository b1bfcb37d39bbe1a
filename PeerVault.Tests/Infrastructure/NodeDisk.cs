namespace PeerVault.Tests.Infrastructure;

/// <summary>
/// What a node keeps in its data directory (<c>PEERVAULT_DATA_DIR</c>), read from outside the
/// process: <c>blobs/ab/cd/&lt;sha256&gt;</c> are its stored blobs, one per key it holds (an
/// object's id is its blob's name, the same on every replica), <c>index.db</c> its key index.
/// Reading the disk is how a test tells what a node holds without asking it (a read through the
/// node could repair it and so hide that it had not converged on its own).
/// </summary>
public sealed class NodeDisk(string node, string directory)
{
    public string Node { get; } = node;

    public string Directory { get; } = directory;

    private string BlobRoot => Path.Combine(Directory, "blobs");

    /// <summary>The ids of every blob on disk now.</summary>
    public IReadOnlySet<string> Blobs()
    {
        var blobs = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            foreach (var file in System.IO.Directory.EnumerateFiles(BlobRoot, "*", SearchOption.AllDirectories))
            {
                var name = Path.GetFileName(file);
                if (name.Length == 64 && name.All(char.IsAsciiHexDigitLower))
                {
                    blobs.Add(name);
                }
            }
        }
        catch (DirectoryNotFoundException)
        {
            // Wiped, or never written to.
        }

        return blobs;
    }

    public bool Holds(string objectId) => File.Exists(PathOf(objectId));

    /// <summary>When the blob file was last written, or null if there is none: a blob that was moved or copied again has a new one.</summary>
    public DateTime? WrittenAt(string objectId)
    {
        var file = new FileInfo(PathOf(objectId));
        return file.Exists ? file.LastWriteTimeUtc : null;
    }

    /// <summary>Removes the whole data directory, node id included: the node must be stopped.</summary>
    public void Wipe()
    {
        System.IO.Directory.Delete(Directory, recursive: true);
        Assert.False(System.IO.Directory.Exists(Directory), $"{Node}'s data directory {Directory} is gone");
    }

    /// <summary>Of <paramref name="objects"/> (key → object id), the keys whose blob this node does not hold.</summary>
    public IReadOnlyList<string> Missing(IEnumerable<KeyValuePair<string, string>> objects)
    {
        var blobs = Blobs();
        return [.. objects.Where(o => !blobs.Contains(o.Value)).Select(o => o.Key).Order(StringComparer.Ordinal)];
    }

    /// <summary>
    /// What the node's own key index says of each key under <paramref name="prefix"/>, as committed
    /// to its database: a blob id, or null for a tombstone. A key the node never heard of (or
    /// handed on to other replicas) is not in the map.
    /// </summary>
    public IReadOnlyDictionary<string, string?> Indexed(string prefix) => IndexDatabaseFile.Read(Directory, prefix);

    /// <summary>
    /// Files that only an interrupted or unfinished write leaves: anything in <c>tmp/</c> (but the
    /// health probe's own file, written and removed on every probe), <c>*.tmp</c> and an index copy left half-made by <c>Recreate</c> (<c>*.recreate</c>).
    /// </summary>
    public IReadOnlyList<string> TemporaryFiles()
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return [];
        }

        return [.. System.IO.Directory.EnumerateFiles(Directory, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Directory, f))
            .Where(f => (f.StartsWith("tmp" + Path.DirectorySeparatorChar, StringComparison.Ordinal) && Path.GetFileName(f) != ".health")
                || f.EndsWith(".tmp", StringComparison.Ordinal)
                || f.EndsWith(".recreate", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)];
    }

    private string PathOf(string objectId)
        => objectId.Length == 64 ? Path.Combine(BlobRoot, objectId[..2], objectId[2..4], objectId) : Path.Combine(BlobRoot, "not-a-blob-id");
}
