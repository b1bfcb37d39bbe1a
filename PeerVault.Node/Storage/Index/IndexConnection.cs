using System.Globalization;
using Microsoft.Data.Sqlite;

namespace PeerVault.Node.Storage.Index;

/// <summary>
/// One SQLite connection to the index database with its statements prepared once. SQLite
/// connections are single-threaded: the index gives each to one caller at a time (readers from a
/// pool, the writer under the commit lock). Entries are stored as columns, keyed by the key in
/// a WITHOUT ROWID table, so a page of a listing is one range scan of the primary key.
/// </summary>
internal sealed class IndexConnection : IDisposable
{
    private const string Columns = "key, blob, size, sealed_length, version, updated_at, deleted, meta";

    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _get;
    private readonly PageStatement _pageFrom;
    private readonly PageStatement _pageAfter;
    private readonly SqliteCommand _partition;
    private readonly SqliteCommand _references;
    private readonly SqliteCommand _blobsAfter;

    private IndexConnection(SqliteConnection connection, int generation)
    {
        _connection = connection;
        Generation = generation;
        _get = Prepare($"SELECT {Columns} FROM entries WHERE key = $a");
        _pageFrom = new PageStatement(connection, $"SELECT {Columns} FROM entries WHERE key >= ?1 ORDER BY key LIMIT ?2");
        _pageAfter = new PageStatement(connection, $"SELECT {Columns} FROM entries WHERE key > ?1 ORDER BY key LIMIT ?2");
        _partition = Prepare($"SELECT {Columns} FROM entries WHERE partition = $a");
        _references = Prepare("SELECT 1 FROM entries WHERE blob = $a LIMIT 1");
        _blobsAfter = Prepare($"SELECT {Columns} FROM entries WHERE blob > $a GROUP BY blob ORDER BY blob LIMIT $n");
    }

    /// <summary>Which incarnation of the database file this connection reads (see <see cref="KeyIndex.Recreate"/>).</summary>
    public int Generation { get; }

    public SqliteConnection Connection => _connection;

    /// <summary>Opens the database at <paramref name="path"/>, creating it and its tables if needed.</summary>
    public static IndexConnection Open(string path, int generation)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString());
        try
        {
            connection.Open();

            // WAL: readers never wait for the writer. synchronous=FULL: a commit is fsynced before it
            // returns, so an acknowledged change survives power loss, not only a process crash.
            Execute(connection, """
                PRAGMA journal_mode = WAL;
                PRAGMA synchronous = FULL;
                CREATE TABLE IF NOT EXISTS entries (
                    key TEXT NOT NULL PRIMARY KEY,
                    partition INTEGER NOT NULL,
                    blob TEXT,
                    size INTEGER NOT NULL,
                    sealed_length INTEGER NOT NULL,
                    version TEXT NOT NULL,
                    updated_at INTEGER NOT NULL,
                    deleted INTEGER NOT NULL,
                    meta TEXT
                ) WITHOUT ROWID;
                CREATE INDEX IF NOT EXISTS entries_by_partition ON entries (partition);
                CREATE INDEX IF NOT EXISTS entries_by_blob ON entries (blob) WHERE blob IS NOT NULL;
                CREATE TABLE IF NOT EXISTS partitions (
                    partition INTEGER NOT NULL PRIMARY KEY,
                    digest_high INTEGER NOT NULL,
                    digest_low INTEGER NOT NULL,
                    live INTEGER NOT NULL,
                    tombstones INTEGER NOT NULL,
                    sealed_bytes INTEGER NOT NULL
                );
                CREATE TABLE IF NOT EXISTS meta (name TEXT NOT NULL PRIMARY KEY, value TEXT NOT NULL);
                """);
            AddMetadataColumn(connection);
            return new IndexConnection(connection, generation);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A database created before entries carried <see cref="ObjectMetadata"/> gets the column (NULL
    /// for every existing row: those entries have none), once, without rewriting anything.
    /// </summary>
    private static void AddMetadataColumn(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT 1 FROM pragma_table_info('entries') WHERE name = 'meta'";
        if (command.ExecuteScalar() is null)
        {
            Execute(connection, "ALTER TABLE entries ADD COLUMN meta TEXT");
        }
    }

    public IndexEntry? Get(string key)
    {
        _get.Parameters[0].Value = key;
        using var reader = _get.ExecuteReader();
        return reader.Read() ? ReadEntry(reader) : null;
    }

    /// <summary>Up to <paramref name="limit"/> entries in key order from <paramref name="start"/> (inclusive, or exclusive with <paramref name="exclusive"/>).</summary>
    public void Page(string start, bool exclusive, int limit, Func<IndexEntry, bool> take)
        => (exclusive ? _pageAfter : _pageFrom).Read(start, limit, take);

    public List<IndexEntry> EntriesIn(int partition)
    {
        _partition.Parameters[0].Value = partition;
        using var reader = _partition.ExecuteReader();
        var entries = new List<IndexEntry>();
        while (reader.Read())
        {
            entries.Add(ReadEntry(reader));
        }

        return entries;
    }

    public bool References(string blob)
    {
        _references.Parameters[0].Value = blob;
        return _references.ExecuteScalar() is not null;
    }

    /// <summary>One live entry per blob, in blob order after <paramref name="after"/>.</summary>
    public List<IndexEntry> BlobsAfter(string after, int limit)
    {
        _blobsAfter.Parameters[0].Value = after;
        _blobsAfter.Parameters[1].Value = limit;
        using var reader = _blobsAfter.ExecuteReader();
        var entries = new List<IndexEntry>(limit);
        while (reader.Read())
        {
            entries.Add(ReadEntry(reader));
        }

        return entries;
    }

    public SqliteCommand Prepare(string sql)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (var name in new[] { "$a", "$b", "$c", "$d", "$e", "$f", "$g", "$h", "$i", "$n" })
        {
            if (sql.Contains(name, StringComparison.Ordinal))
            {
                command.Parameters.Add(new SqliteParameter(name, null));
            }
        }

        command.Prepare();
        return command;
    }

    public static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static IndexEntry ReadEntry(SqliteDataReader reader)
    {
        var deleted = reader.GetInt64(6) != 0;
        return new IndexEntry
        {
            Key = reader.GetString(0),
            BlobId = reader.IsDBNull(1) ? null : reader.GetString(1),
            Size = reader.GetInt64(2),
            SealedLength = reader.GetInt64(3),
            Version = ObjectVersion.TryParse(reader.GetString(4), out var version)
                ? version
                : throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"The index holds an unreadable version for '{reader.GetString(0)}'.")),
            UpdatedAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)),
            Deleted = deleted,
            Metadata = reader.IsDBNull(7) ? null : ObjectMetadata.Decode(reader.GetString(7)),
        };
    }

    public void Dispose()
    {
        foreach (var command in new[] { _get, _partition, _references, _blobsAfter })
        {
            command.Dispose();
        }

        _pageFrom.Dispose();
        _pageAfter.Dispose();

        _connection.Dispose();
    }
}
