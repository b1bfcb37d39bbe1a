using System.Runtime.InteropServices;

namespace PeerVault.Node.Storage;

/// <summary>
/// Flushes that .NET has no API for, through libc: fsync of a directory (which makes a rename
/// durable on Linux and macOS; .NET refuses to open a directory as a file) and syncfs of the file
/// system a directory is on (<see cref="FileSystemFlush"/>'s group commit). On Windows, NTFS
/// journals renames itself and there is nothing to do.
/// </summary>
internal static partial class DirectorySync
{
    private const int ReadOnly = 0;

    /// <summary>fsync of <paramref name="directory"/> itself: its entries (renames, new files) become durable.</summary>
    public static void Flush(string directory)
    {
        if (!OperatingSystem.IsWindows())
        {
            WithDirectory(directory, "fsync", FSync);
        }
    }

    /// <summary>syncfs of the file system holding <paramref name="directory"/>: everything written to it so far becomes durable (Linux).</summary>
    public static void FlushFileSystem(string directory) => WithDirectory(directory, "syncfs", SyncFs);

    private static void WithDirectory(string directory, string call, Func<int, int> flush)
    {
        var fd = Open(directory, ReadOnly);
        if (fd < 0)
        {
            throw new IOException($"Cannot open directory '{directory}' to {call} it (errno {Marshal.GetLastPInvokeError()}).");
        }

        try
        {
            if (flush(fd) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                throw new IOException($"{call} of directory '{directory}' failed (errno {errno}).") { HResult = errno };
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int FSync(int fd);

    [LibraryImport("libc", EntryPoint = "syncfs", SetLastError = true)]
    private static partial int SyncFs(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
