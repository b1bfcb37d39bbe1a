using Microsoft.Data.Sqlite;
using PeerVault.Node.Storage;

namespace PeerVault.Tests.Infrastructure;

/// <summary>
/// Reads a node's key index database (<c>index.db</c> in its data directory) from outside the node,
/// the way an operator's sqlite3 would: read-only, beside a running node (WAL lets a reader in
/// while the node writes), seeing what the node has committed, and so made durable.
/// </summary>
public static class IndexDatabaseFile
{
    /// <summary>Each key under <paramref name="prefix"/> with its blob id, or null for a tombstone; empty when there is no database.</summary>
    public static IReadOnlyDictionary<string, string?> Read(string dataDirectory, string prefix = "")
    {
        var entries = new Dictionary<string, string?>(StringComparer.Ordinal);
        var path = Path.Combine(dataDirectory, KeyIndex.FileName);
        if (!File.Exists(path))
        {
            return entries;
        }

        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT key, blob, deleted FROM entries WHERE key >= $prefix ORDER BY key";
        command.Parameters.AddWithValue("$prefix", prefix);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var key = reader.GetString(0);
            if (!key.StartsWith(prefix, StringComparison.Ordinal))
            {
                break;
            }

            entries[key] = reader.GetInt64(2) != 0 || reader.IsDBNull(1) ? null : reader.GetString(1);
        }

        return entries;
    }
}
