using System.Globalization;
using PeerVault.Node.Security;
using PeerVault.Node.Storage;

namespace PeerVault.Node.Hosting;

/// <summary>
/// Everything a node is configured with, read once at start-up from configuration (environment
/// variables, appsettings, command line). Invalid secrets throw <see cref="NodeConfigurationException"/>
/// so the process can refuse to start with a message that names the variable.
/// </summary>
public sealed class NodeSettings
{
    public const string NodeNameVariable = "PEERVAULT_NODE_NAME";
    public const string DataDirectoryVariable = "PEERVAULT_DATA_DIR";
    public const string P2PPortVariable = "P2P_PORT";
    public const string BootstrapVariable = "PEERVAULT_BOOTSTRAP";
    public const string WriteQuorumVariable = "PEERVAULT_WRITE_QUORUM";
    public const string EpochSecondsVariable = "PEERVAULT_EPOCH_SECONDS";
    public const string PreviousKeysVariable = "PEERVAULT_PREVIOUS_CLUSTER_KEYS";
    public const string MaxObjectBytesVariable = "PEERVAULT_MAX_OBJECT_BYTES";
    public const int DefaultP2PPort = 7000;

    public required NodeIdentity Identity { get; init; }

    public required string DataDirectory { get; init; }

    public required int P2PPort { get; init; }

    public required KeyRing Keys { get; init; }

    public required AuthToken AuthToken { get; init; }

    /// <summary>Copies that must be durable before a PUT is acknowledged, this node's included.</summary>
    public int WriteQuorum { get; init; } = 2;

    public long MaxObjectBytes { get; init; } = 64L << 30;

    /// <summary>Development fallbacks taken because a secret was not configured; logged as warnings at start.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    public static NodeSettings Load(IConfiguration configuration, TimeProvider time)
    {
        var warnings = new List<string>();
        var p2pPort = ReadInt(configuration, P2PPortVariable, DefaultP2PPort, 0, 65535);
        var name = configuration[NodeNameVariable] is { Length: > 0 } configured
            ? configured.Trim()
            : $"node-{p2pPort}";
        if (!ObjectKey.Validate(name, out _) || System.Text.Encoding.UTF8.GetByteCount(name) > NodeIdentity.MaxNameBytes)
        {
            throw new NodeConfigurationException($"{NodeNameVariable} must be 1 to {NodeIdentity.MaxNameBytes} bytes without control characters.");
        }

        var dataDirectory = Path.GetFullPath(configuration[DataDirectoryVariable] is { Length: > 0 } dir
            ? dir
            : Path.Combine("peervault-data", SafeFolderName(name)));
        Directory.CreateDirectory(dataDirectory);

        var clusterKey = configuration[ClusterKey.EnvironmentVariable] is { } keyValue
            ? ClusterKey.Parse(keyValue)
            : ClusterKey.Parse(DevelopmentSecret(dataDirectory, "dev-cluster.key", () => ClusterKey.Generate().ToHex(), ClusterKey.EnvironmentVariable, warnings), $"{ClusterKey.EnvironmentVariable} (generated in {dataDirectory})");
        var previous = (configuration[PreviousKeysVariable] ?? string.Empty)
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(k => ClusterKey.Parse(k, PreviousKeysVariable));
        var authToken = AuthToken.Parse(configuration[AuthToken.EnvironmentVariable] ?? DevelopmentSecret(dataDirectory, "dev-auth.token", AuthToken.GenerateValue, AuthToken.EnvironmentVariable, warnings));

        var epochs = new EpochClock(time, TimeSpan.FromSeconds(ReadInt(configuration, EpochSecondsVariable, (int)EpochClock.DefaultLength.TotalSeconds, 1, int.MaxValue)));
        return new NodeSettings
        {
            Identity = new NodeIdentity(LoadOrCreateNodeId(dataDirectory), name),
            DataDirectory = dataDirectory,
            P2PPort = p2pPort,
            Keys = new KeyRing(clusterKey, epochs, previous),
            AuthToken = authToken,
            WriteQuorum = ReadInt(configuration, WriteQuorumVariable, 2, 1, 64),
            MaxObjectBytes = long.TryParse(configuration[MaxObjectBytesVariable], NumberStyles.None, CultureInfo.InvariantCulture, out var max) && max > 0 ? max : 64L << 30,
            Warnings = warnings,
        };
    }

    /// <summary>A folder name valid on Windows too: no reserved characters such as ':'.</summary>
    public static string SafeFolderName(string name)
    {
        var invalid = Path.GetInvalidFileNameChars().Concat([':', '*', '?', '"', '<', '>', '|', '\\', '/']).ToHashSet();
        var safe = new string([.. name.Select(c => invalid.Contains(c) || char.IsControl(c) ? '_' : c)]).TrimEnd('.', ' ');
        return safe.Length == 0 ? "node" : safe;
    }

    private static Guid LoadOrCreateNodeId(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, "node.id");
        if (File.Exists(path) && Guid.TryParse(File.ReadAllText(path).Trim(), out var id))
        {
            return id;
        }

        id = Guid.NewGuid();
        File.WriteAllText(path, id.ToString("N"));
        return id;
    }

    private static string DevelopmentSecret(string dataDirectory, string fileName, Func<string> generate, string variable, List<string> warnings)
    {
        var path = Path.Combine(dataDirectory, fileName);
        if (!File.Exists(path))
        {
            File.WriteAllText(path, generate());
        }

        warnings.Add($"{variable} is not set: using a development secret kept in {path}. Nodes only work together when they share it; set {variable} for any real cluster.");
        return File.ReadAllText(path).Trim();
    }

    private static int ReadInt(IConfiguration configuration, string key, int fallback, int min, int max)
    {
        var value = configuration[key];
        if (string.IsNullOrWhiteSpace(value))
        {
            return fallback;
        }

        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed >= min && parsed <= max
            ? parsed
            : throw new NodeConfigurationException($"{key} must be a whole number from {min} to {max}.");
    }
}
