using Microsoft.Data.Sqlite;

namespace PeerVault.Node.Storage.Index;

/// <summary>
/// The index's one writing connection. A batch of changes runs in one transaction: each change
/// sees the ones before it (same connection), partition summaries are written with the entries they
/// summarise, and the commit is a single fsync of the write-ahead log however many changes it holds.
/// </summary>
internal sealed class IndexWriter : IDisposable
{
    private const string MaxVersionName = "max_version";

    private readonly IndexConnection _connection;
    private readonly SqliteCommand _upsert;
    private readonly SqliteCommand _delete;
    private readonly SqliteCommand _savePartition;
    private readonly SqliteCommand _saveMeta;

    public IndexWriter(IndexConnection connection)
    {
        _connection = connection;
        _upsert = connection.Prepare("""
            INSERT INTO entries (key, partition, blob, size, sealed_length, version, updated_at, deleted, meta)
            VALUES ($a, $b, $c, $d, $e, $f, $g, $h, $i)
            ON CONFLICT (key) DO UPDATE SET partition = excluded.partition, blob = excluded.blob, size = excluded.size,
                sealed_length = excluded.sealed_length, version = excluded.version, updated_at = excluded.updated_at, deleted = excluded.deleted,
                meta = excluded.meta
            """);
        _delete = connection.Prepare("DELETE FROM entries WHERE key = $a");
        _savePartition = connection.Prepare("""
            INSERT INTO partitions (partition, digest_high, digest_low, live, tombstones, sealed_bytes) VALUES ($a, $b, $c, $d, $e, $f)
            ON CONFLICT (partition) DO UPDATE SET digest_high = excluded.digest_high, digest_low = excluded.digest_low,
                live = excluded.live, tombstones = excluded.tombstones, sealed_bytes = excluded.sealed_bytes
            """);
        _saveMeta = connection.Prepare("INSERT INTO meta (name, value) VALUES ($a, $b) ON CONFLICT (name) DO UPDATE SET value = excluded.value");
    }

    public IndexConnection Connection => _connection;

    /// <summary>
    /// Starts the batch's transaction. Plain SQL rather than an ADO.NET transaction object, so the
    /// prepared statements run inside it without being re-bound to it.
    /// </summary>
    public void Begin() => IndexConnection.Execute(_connection.Connection, "BEGIN IMMEDIATE");

    /// <summary>Commits: with <c>synchronous = FULL</c> in WAL mode, one fsync of the log.</summary>
    public void Commit() => IndexConnection.Execute(_connection.Connection, "COMMIT");

    /// <summary>Undoes an unfinished batch; SQLite may already have rolled back a commit that failed.</summary>
    public void Rollback()
    {
        if (SQLitePCL.raw.sqlite3_get_autocommit(_connection.Connection.Handle) == 0)
        {
            IndexConnection.Execute(_connection.Connection, "ROLLBACK");
        }
    }

    public void Upsert(IndexEntry entry, int partition)
    {
        var p = _upsert.Parameters;
        p[0].Value = entry.Key;
        p[1].Value = partition;
        p[2].Value = (object?)entry.BlobId ?? DBNull.Value;
        p[3].Value = entry.Size;
        p[4].Value = entry.SealedLength;
        p[5].Value = entry.Version.ToString();
        p[6].Value = entry.UpdatedAt.ToUnixTimeMilliseconds();
        p[7].Value = entry.Deleted ? 1 : 0;
        p[8].Value = (object?)entry.Metadata?.Encode() ?? DBNull.Value;
        _upsert.ExecuteNonQuery();
    }

    public void Delete(string key)
    {
        _delete.Parameters[0].Value = key;
        _delete.ExecuteNonQuery();
    }

    public void SavePartition(int partition, PartitionSummary summary)
    {
        var p = _savePartition.Parameters;
        p[0].Value = partition;
        p[1].Value = unchecked((long)summary.Digest.High);
        p[2].Value = unchecked((long)summary.Digest.Low);
        p[3].Value = summary.Live;
        p[4].Value = summary.Tombstones;
        p[5].Value = summary.SealedBytes;
        _savePartition.ExecuteNonQuery();
    }

    public void SaveMaxVersion(ObjectVersion version)
    {
        _saveMeta.Parameters[0].Value = MaxVersionName;
        _saveMeta.Parameters[1].Value = version.ToString();
        _saveMeta.ExecuteNonQuery();
    }

    /// <summary>Reads every partition's summary and the newest version ever recorded (what start-up needs, without touching the entries).</summary>
    public (PartitionSummary[] Partitions, ObjectVersion MaxVersion) LoadSummaries()
    {
        var partitions = new PartitionSummary[KeyPartition.Count];
        using (var command = _connection.Connection.CreateCommand())
        {
            command.CommandText = "SELECT partition, digest_high, digest_low, live, tombstones, sealed_bytes FROM partitions";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var partition = reader.GetInt32(0);
                if ((uint)partition < KeyPartition.Count)
                {
                    partitions[partition] = new PartitionSummary(
                        new PartitionDigest(unchecked((ulong)reader.GetInt64(1)), unchecked((ulong)reader.GetInt64(2))),
                        reader.GetInt32(3),
                        reader.GetInt32(4),
                        reader.GetInt64(5));
                }
            }
        }

        using (var command = _connection.Connection.CreateCommand())
        {
            command.CommandText = "SELECT value FROM meta WHERE name = $a";
            command.Parameters.AddWithValue("$a", MaxVersionName);
            var text = command.ExecuteScalar() as string;
            return (partitions, ObjectVersion.TryParse(text, out var max) ? max : ObjectVersion.Zero);
        }
    }

    /// <summary>Copies the whole database, as this connection sees it, to <paramref name="path"/> (SQLite's online backup).</summary>
    public void CopyTo(string path)
    {
        using var destination = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false }.ToString());
        destination.Open();
        _connection.Connection.BackupDatabase(destination);
        IndexConnection.Execute(destination, "PRAGMA journal_mode = WAL;");
    }

    public void Dispose()
    {
        _upsert.Dispose();
        _delete.Dispose();
        _savePartition.Dispose();
        _saveMeta.Dispose();
        _connection.Dispose();
    }
}
