namespace PeerVault.Load.Chaos;

/// <summary>Fills a node's small tmpfs to the last page with one file beside its data directory, and frees it.</summary>
internal static class DiskFiller
{
    public const string FileName = "filler";

    /// <summary>Fills the volume; returns the bytes it had free.</summary>
    public static long Fill(string mount)
    {
        var path = Path.Combine(mount, FileName);
        var free = new DriveInfo(mount).AvailableFreeSpace;
        var block = new byte[64 << 10];

        // Unbuffered, so a failed write leaves nothing for a later flush to fail on.
        using var file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
        foreach (var size in new[] { 64 << 10, 4096 })
        {
            try
            {
                while (true)
                {
                    file.Write(block, 0, size);
                }
            }
            catch (IOException)
            {
                // This block size no longer fits.
            }
        }

        return free;
    }

    public static void Free(string mount) => File.Delete(Path.Combine(mount, FileName));
}
