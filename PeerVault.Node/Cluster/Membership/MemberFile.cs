using System.Text.Json;
using System.Text.Json.Serialization;
using PeerVault.Node.Net.Rpc;
using PeerVault.Node.Storage;

namespace PeerVault.Node.Cluster.Membership;

/// <summary>
/// The members this node knew when it last ran, in <c>members.json</c> beside its data: ids, names,
/// addresses, incarnations and removals (what gossip carries; reachability is judged afresh). A
/// restarted node starts from it, so it places keys over the whole cluster from its first request
/// instead of over the few members it has heard of since it started (which would shrink R and put
/// a write on the wrong replicas), and dials every member it knew, not only its bootstrap peers.
/// </summary>
public sealed class MemberFile(string dataDirectory)
{
    public const string FileName = "members.json";

    private readonly Lock _lock = new();
    private byte[]? _written;

    public string Path { get; } = System.IO.Path.Combine(dataDirectory, FileName);

    /// <summary>The members kept by the last run (this node excluded); empty for a new node or an unreadable file.</summary>
    public IReadOnlyList<WireMember> Load(Guid selfId)
    {
        try
        {
            var bytes = File.ReadAllBytes(Path);
            var members = JsonSerializer.Deserialize(bytes, MemberFileJsonContext.Default.ListWireMember) ?? [];
            lock (_lock)
            {
                _written = bytes;
            }

            return [.. members.Where(m => m.Id != selfId && m.Id != Guid.Empty && !string.IsNullOrEmpty(m.Name))];
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or JsonException)
        {
            // A new node, or a torn file from a crash mid-write (writes are atomic, so only by hand):
            // the node learns the members from its bootstrap peers before it coordinates anything.
            return [];
        }
    }

    /// <summary>
    /// Writes <paramref name="members"/> atomically (temporary file, fsync, rename, fsync of the
    /// directory) when they differ from what was written last; returns whether it wrote.
    /// </summary>
    public bool Save(IEnumerable<WireMember> members)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes([.. members.OrderBy(m => m.Id)], MemberFileJsonContext.Default.ListWireMember);
        lock (_lock)
        {
            if (_written is not null && bytes.AsSpan().SequenceEqual(_written) && File.Exists(Path))
            {
                return false;
            }

            var temporary = Path + ".tmp";
            using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                file.Write(bytes);
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, Path, overwrite: true);
            DirectorySync.Flush(System.IO.Path.GetDirectoryName(Path)!);
            _written = bytes;
            return true;
        }
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(List<WireMember>))]
internal sealed partial class MemberFileJsonContext : JsonSerializerContext;
