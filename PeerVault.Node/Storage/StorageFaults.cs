namespace PeerVault.Node.Storage;

/// <summary>Recognises the storage failures that need their own answer.</summary>
public static class StorageFaults
{
    /// <summary>ENOSPC (28) or EDQUOT (122) on Unix; ERROR_DISK_FULL (112) or ERROR_HANDLE_DISK_FULL (39) on Windows.</summary>
    public static bool IsDiskFull(IOException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return (exception.HResult & 0xFFFF) is 28 or 122 or 112 or 39
               || exception.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase);
    }
}
