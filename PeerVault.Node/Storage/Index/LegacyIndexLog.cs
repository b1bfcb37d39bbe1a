using System.Text;
using System.Text.Json;

namespace PeerVault.Node.Storage.Index;

/// <summary>
/// Reads the JSON-lines index log that PeerVault kept before the index moved into SQLite, so a data
/// directory from an earlier release opens with every key it held: lines are replayed in order (a
/// later version wins, a "forgotten" line drops its key), and a torn last line from a crash is
/// skipped and counted.
/// </summary>
internal static class LegacyIndexLog
{
    public const string FileName = "index.log";

    public static (IReadOnlyCollection<IndexEntry> Entries, int Torn) Read(string path)
    {
        var entries = new Dictionary<string, IndexEntry>(StringComparer.Ordinal);
        var torn = 0;
        foreach (var line in File.ReadLines(path, Encoding.UTF8))
        {
            if (line.Length == 0)
            {
                continue;
            }

            IndexEntry? entry;
            try
            {
                entry = JsonSerializer.Deserialize(line, StorageJsonContext.Default.IndexEntry);
            }
            catch (JsonException)
            {
                torn++;
                continue;
            }

            if (entry is null || !ObjectKey.Validate(entry.Key, out _))
            {
                torn++;
                continue;
            }

            entries.TryGetValue(entry.Key, out var existing);
            if (entry.Forgotten)
            {
                if (existing is not null && existing.Version == entry.Version)
                {
                    entries.Remove(entry.Key);
                }
            }
            else if (existing is null || entry.Supersedes(existing))
            {
                entries[entry.Key] = entry;
            }
        }

        return (entries.Values, torn);
    }
}
