using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration.UserSecrets;

namespace Aspire.Hosting.Orchestration;

/// <summary>
/// Writes generated parameter values to the AppHost's user secrets (<c>secrets.json</c>, key
/// <c>Parameters:{name}</c>), the file <c>dotnet user-secrets</c> manages, so the next run reads
/// them back through configuration and the cluster keeps its keys.
/// </summary>
internal sealed class UserSecretsStore(string userSecretsId)
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public string FilePath { get; } = PathHelper.GetSecretsPathFromSecretsId(userSecretsId);

    public void Set(string key, string value)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
        var secrets = File.Exists(FilePath) && JsonNode.Parse(File.ReadAllText(FilePath)) is JsonObject existing ? existing : [];
        secrets[key] = value;
        var temporary = FilePath + ".tmp";
        File.WriteAllText(temporary, secrets.ToJsonString(Indented));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.Move(temporary, FilePath, overwrite: true);
    }
}
