using System.Buffers.Text;
using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace PeerVault.Node.Storage.Index;

/// <summary>
/// A listing page's range scan, prepared once on a reader's connection and stepped through SQLite
/// directly rather than through <see cref="SqliteDataReader"/>: a page is ten thousand rows, and
/// the data reader's per-column checks and a version string per row (parsed, then thrown away)
/// were most of what a page cost. Here the version is parsed from the row's UTF-8 bytes.
/// </summary>
internal sealed class PageStatement : IDisposable
{
    private readonly sqlite3 _database;
    private readonly sqlite3_stmt _statement;

    /// <summary>Prepares <paramref name="sql"/>: key, blob, size, sealed_length, version, updated_at, deleted, meta, with the start as ?1 and the limit as ?2.</summary>
    public PageStatement(SqliteConnection connection, string sql)
    {
        _database = connection.Handle!;
        Check(raw.sqlite3_prepare_v2(_database, sql, out _statement));
    }

    public void Read(string start, int limit, Func<IndexEntry, bool> take)
    {
        try
        {
            Check(raw.sqlite3_bind_text(_statement, 1, start));
            Check(raw.sqlite3_bind_int(_statement, 2, limit));
            int rc;
            while ((rc = raw.sqlite3_step(_statement)) == raw.SQLITE_ROW)
            {
                if (!take(ReadEntry()))
                {
                    return;
                }
            }

            Check(rc);
        }
        finally
        {
            raw.sqlite3_reset(_statement);
        }
    }

    private IndexEntry ReadEntry()
    {
        var key = Text(0)!;
        var version = raw.sqlite3_column_blob(_statement, 4);
        return new IndexEntry
        {
            Key = key,
            BlobId = Text(1),
            Size = raw.sqlite3_column_int64(_statement, 2),
            SealedLength = raw.sqlite3_column_int64(_statement, 3),
            Version = TryParseVersion(version, out var parsed)
                ? parsed
                : throw new InvalidDataException($"The index holds an unreadable version for '{key}'."),
            UpdatedAt = DateTimeOffset.FromUnixTimeMilliseconds(raw.sqlite3_column_int64(_statement, 5)),
            Deleted = raw.sqlite3_column_int64(_statement, 6) != 0,
            Metadata = ObjectMetadata.Decode(Text(7)),
        };
    }

    /// <summary>A text column as a string, null for NULL.</summary>
    private string? Text(int column)
        => raw.sqlite3_column_type(_statement, column) == raw.SQLITE_NULL ? null : Encoding.UTF8.GetString(raw.sqlite3_column_blob(_statement, column));

    /// <summary><see cref="ObjectVersion.TryParse"/> over UTF-8: <c>{wallMs:x16}.{counter:x8}.{node:N}</c>.</summary>
    private static bool TryParseVersion(ReadOnlySpan<byte> text, out ObjectVersion version)
    {
        version = default;
        if (text.Length != ObjectVersion.TextLength || text[16] != '.' || text[25] != '.')
        {
            return false;
        }

        if (!Utf8Parser.TryParse(text[..16], out long wall, out var wallLength, 'x') || wallLength != 16 || wall < 0
            || !Utf8Parser.TryParse(text[17..25], out uint counter, out var counterLength, 'x') || counterLength != 8
            || !Guid.TryParse(text[26..], out var node))
        {
            return false;
        }

        version = new ObjectVersion(wall, counter, node);
        return true;
    }

    private void Check(int rc)
    {
        if (rc is not (raw.SQLITE_OK or raw.SQLITE_DONE or raw.SQLITE_ROW))
        {
            SqliteException.ThrowExceptionForRC(rc, _database);
        }
    }

    public void Dispose() => _statement.Dispose();
}
