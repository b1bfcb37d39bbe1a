namespace PeerVault.Node.Storage;

/// <summary>
/// Holds <c>node.lock</c> in the data directory exclusively for the process's lifetime, so a second
/// node started on the same directory refuses instead of writing one store from two processes. On
/// Linux and macOS .NET takes an advisory <c>flock</c> for <see cref="FileShare.None"/>, which the
/// kernel drops when the process dies, however it dies: a killed node never leaves a stale lock.
/// </summary>
public sealed class DataDirectoryLock : IDisposable
{
    public const string FileName = "node.lock";

    private readonly FileStream _file;

    private DataDirectoryLock(FileStream file) => _file = file;

    /// <summary>Takes the lock, or throws <see cref="DataDirectoryInUseException"/> naming the directory.</summary>
    public static DataDirectoryLock Acquire(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, FileName);
        try
        {
            return new DataDirectoryLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None));
        }
        catch (IOException ex) when (ex is not FileNotFoundException and not DirectoryNotFoundException and not PathTooLongException)
        {
            throw new DataDirectoryInUseException(
                $"Data directory {dataDirectory} is in use by another PeerVault node (it holds {FileName}). Stop that node, or give this one its own PEERVAULT_DATA_DIR.", ex);
        }
    }

    public void Dispose() => _file.Dispose();
}

/// <summary>Another process holds the data directory this node was told to use.</summary>
public sealed class DataDirectoryInUseException : IOException
{
    public DataDirectoryInUseException()
    {
    }

    public DataDirectoryInUseException(string message)
        : base(message)
    {
    }

    public DataDirectoryInUseException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
