using System.Text.Json;
using System.Text.Json.Serialization;

namespace PeerVault.Node.Storage;

/// <summary>
/// What a node remembers about itself between runs, in <c>node-state.json</c> beside its data:
/// when its id was created, its incarnation (bumped at every start), and when it was last known to
/// be running (written periodically), which is how a node tells at start that it was away longer
/// than the cluster keeps tombstones.
/// </summary>
public sealed record NodeState(DateTimeOffset JoinedAt, long Incarnation, DateTimeOffset? LastAlive)
{
    public const string FileName = "node-state.json";

    public static NodeState? Load(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, FileName);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(path), NodeStateJsonContext.Default.NodeState);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Writes the state atomically (temp file, fsync, rename, fsync of the directory).</summary>
    public void Save(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, FileName);
        var temporary = path + ".tmp";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            JsonSerializer.Serialize(file, this, NodeStateJsonContext.Default.NodeState);
            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
        DirectorySync.Flush(dataDirectory);
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(NodeState))]
internal sealed partial class NodeStateJsonContext : JsonSerializerContext;
