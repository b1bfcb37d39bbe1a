using Microsoft.Data.Sqlite;

namespace PeerVault.Node.Storage.Index;

/// <summary>
/// Turns SQLite's errors into the storage failures the rest of the node already answers: a full
/// disk (507, recognised by <see cref="StorageFaults.IsDiskFull"/>), an unwritable or vanished
/// directory (503), or any other I/O failure. Nothing was committed in any of these cases.
/// </summary>
internal static class IndexFaults
{
    private const int SqliteReadOnly = 8;
    private const int SqliteIoError = 10;
    private const int SqliteFull = 13;
    private const int SqliteCantOpen = 14;

    public static IOException Translate(SqliteException ex) => (ex.SqliteErrorCode & 0xFF) switch
    {
        SqliteFull => new IOException("No space left on device: the index could not record the change.", ex) { HResult = 28 },
        SqliteReadOnly or SqliteIoError or SqliteCantOpen => new StorageUnavailableException("The index cannot be written; the change was not stored.", ex),
        _ => new IOException($"The index could not record the change (SQLite error {ex.SqliteErrorCode}).", ex),
    };
}
