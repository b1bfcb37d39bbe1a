using PeerVault.Node.Storage;

namespace PeerVault.Node.Cluster;

/// <summary>One mapping from storage failures to the short codes peers exchange and clients see.</summary>
public static class StorageErrors
{
    public const string KeyMismatch = "key-mismatch";
    public const string Integrity = "integrity";
    public const string DiskFull = "disk-full";
    public const string Io = "io";

    public static string CodeOf(Exception exception) => exception switch
    {
        KeyMismatchException => KeyMismatch,
        ObjectIntegrityException => Integrity,
        IOException io when IsDiskFull(io) => DiskFull,
        _ => Io,
    };

    /// <summary>ENOSPC (28) or EDQUOT (122) on Unix; ERROR_DISK_FULL (112) or ERROR_HANDLE_DISK_FULL (39) on Windows.</summary>
    public static bool IsDiskFull(IOException exception)
        => (exception.HResult & 0xFFFF) is 28 or 122 or 112 or 39
           || exception.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase);
}
