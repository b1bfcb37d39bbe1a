using System.Globalization;
using PeerVault.Node.Api;
using PeerVault.Node.Api.S3;
using PeerVault.Node.Cluster;
using PeerVault.Node.Cluster.Membership;
using PeerVault.Node.Net;
using PeerVault.Node.Security;
using PeerVault.Node.Storage;

namespace PeerVault.Node.Hosting;

/// <summary>
/// Everything a node is configured with, read once at start-up from configuration (environment
/// variables, appsettings, command line) into one options object per area. A setting that cannot
/// work throws <see cref="NodeConfigurationException"/> naming the variable, so the process can
/// refuse to start with one clear line.
/// </summary>
public sealed class NodeSettings
{
    public const string NodeNameVariable = "PEERVAULT_NODE_NAME";
    public const string DataDirectoryVariable = "PEERVAULT_DATA_DIR";
    public const string P2PPortVariable = "P2P_PORT";
    public const string BootstrapVariable = "PEERVAULT_BOOTSTRAP";
    public const string AdvertiseAddressVariable = "PEERVAULT_ADVERTISE_ADDRESS";
    public const string ReplicasVariable = "PEERVAULT_REPLICAS";
    public const string WriteQuorumVariable = "PEERVAULT_WRITE_QUORUM";
    public const string MaxClockSkewVariable = "PEERVAULT_MAX_CLOCK_SKEW_SECONDS";
    public const string ClockOffsetWarnVariable = "PEERVAULT_CLOCK_OFFSET_WARN_SECONDS";
    public const string SyncIntervalVariable = "PEERVAULT_SYNC_INTERVAL_SECONDS";
    public const string DeadAfterVariable = "PEERVAULT_DEAD_AFTER_SECONDS";
    public const string TombstoneGraceVariable = "PEERVAULT_TOMBSTONE_GRACE_SECONDS";
    public const string BlobSweepDelayVariable = "PEERVAULT_BLOB_SWEEP_DELAY_SECONDS";
    public const string RepairRateVariable = "PEERVAULT_REPAIR_BYTES_PER_SECOND";
    public const string IdleTimeoutVariable = "PEERVAULT_IDLE_TIMEOUT_SECONDS";
    public const string EpochSecondsVariable = "PEERVAULT_EPOCH_SECONDS";
    public const string PreviousKeysVariable = "PEERVAULT_PREVIOUS_CLUSTER_KEYS";
    public const string MaxObjectBytesVariable = "PEERVAULT_MAX_OBJECT_BYTES";
    public const string ApiKeyVariable = "PEERVAULT_API_KEY";
    public const string MaxConnectionsPerAddressVariable = "PEERVAULT_MAX_CONNECTIONS_PER_ADDRESS";
    public const string MaxConnectionsVariable = "PEERVAULT_MAX_CONNECTIONS";
    public const string MaxFramesPerSecondVariable = "PEERVAULT_MAX_FRAMES_PER_SECOND";
    public const string ApiKeysFileVariable = "PEERVAULT_API_KEYS_FILE";
    public const string StorageProbeVariable = "PEERVAULT_STORAGE_PROBE_SECONDS";
    public const string ScrubIntervalVariable = "PEERVAULT_SCRUB_INTERVAL_SECONDS";
    public const string ScrubRateVariable = "PEERVAULT_SCRUB_BYTES_PER_SECOND";
    public const string S3PortVariable = "S3_PORT";
    public const string S3AccessKeyVariable = "PEERVAULT_S3_ACCESS_KEY";
    public const string S3SecretKeyVariable = "PEERVAULT_S3_SECRET_KEY";
    public const string S3RegionVariable = "PEERVAULT_S3_REGION";
    public const string S3DomainVariable = "PEERVAULT_S3_DOMAIN";
    public const string S3UploadMaxAgeVariable = "PEERVAULT_S3_UPLOAD_MAX_AGE_SECONDS";

    private const string TcpScheme = "tcp://";

    public required NodeIdentity Identity { get; init; }

    public required string DataDirectory { get; init; }

    public required KeyRing Keys { get; init; }

    public required AuthToken AuthToken { get; init; }

    public required NetOptions Net { get; init; }

    public required ClusterOptions Cluster { get; init; }

    public required MembershipOptions Membership { get; init; }

    public required ApiOptions Api { get; init; }

    public required StorageOptions Storage { get; init; }

    public S3Options S3 { get; init; } = new();

    /// <summary>Development fallbacks taken because a secret was not configured; logged as warnings at start.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>
    /// Reads every setting. Outside Development a node refuses to start without its cluster key, auth
    /// token and an API key (one message naming each missing one); in Development it takes a per-node
    /// fallback for each and warns.
    /// </summary>
    public static NodeSettings Load(IConfiguration configuration, TimeProvider time, bool development)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var warnings = new List<string>();
        var missing = new List<string>();
        var p2pPort = ReadInt(configuration, P2PPortVariable, NetOptions.DefaultP2PPort, 0, 65535);
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

        string? Secret(string variable, string fileName, Func<string> generate, string use)
        {
            if (configuration[variable] is { Length: > 0 } configured)
            {
                return configured;
            }

            if (!development)
            {
                missing.Add(variable);
                return null;
            }

            return DevelopmentSecret(dataDirectory, fileName, generate, variable, use, warnings);
        }

        var clusterKeyText = Secret(ClusterKey.EnvironmentVariable, "dev-cluster.key", () => ClusterKey.Generate().ToHex(), "Nodes only work together when they share it");
        var authTokenText = Secret(AuthToken.EnvironmentVariable, "dev-auth.token", AuthToken.GenerateValue, "Nodes only work together when they share it");
        var namedKeys = configuration.GetSection(ApiKeyOptions.Section).GetChildren().Any();
        var apiKey = namedKeys && configuration[ApiKeyVariable] is not { Length: > 0 }
            ? null
            : Secret(ApiKeyVariable, "dev-api.key", AuthToken.GenerateValue, "Clients must send it as 'Authorization: Bearer <key>'");
        if (missing.Count > 0)
        {
            throw new NodeConfigurationException(
                $"Refusing to start outside Development without {string.Join(", ", missing)}. Set each (e.g. openssl rand -hex 32), " +
                "or run with ASPNETCORE_ENVIRONMENT=Development to let this node generate development values it keeps in its data directory.");
        }

        if (apiKey is { Length: < ApiKeyRing.MinimumLength })
        {
            throw new NodeConfigurationException($"{ApiKeyVariable} must be at least {ApiKeyRing.MinimumLength} characters long.");
        }

        var clusterKey = ClusterKey.Parse(clusterKeyText);
        var previous = (configuration[PreviousKeysVariable] ?? string.Empty)
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(k => ClusterKey.Parse(k, PreviousKeysVariable));
        var authToken = AuthToken.Parse(authTokenText);
        var epochs = new EpochClock(time, TimeSpan.FromSeconds(ReadInt(configuration, EpochSecondsVariable, (int)EpochClock.DefaultLength.TotalSeconds, 1, int.MaxValue)));

        var defaults = new ClusterOptions();
        ClusterOptions cluster;
        try
        {
            cluster = new ClusterOptions
            {
                Replicas = ReadInt(configuration, ReplicasVariable, defaults.Replicas, 1, 64),
                WriteQuorum = ReadInt(configuration, WriteQuorumVariable, defaults.WriteQuorum, 1, 64),
                MaxClockSkew = ReadSeconds(configuration, MaxClockSkewVariable, defaults.MaxClockSkew),
                SyncInterval = ReadSeconds(configuration, SyncIntervalVariable, defaults.SyncInterval),
                DeadAfter = ReadSeconds(configuration, DeadAfterVariable, defaults.DeadAfter),
                TombstoneGrace = ReadSeconds(configuration, TombstoneGraceVariable, defaults.TombstoneGrace),
                BlobSweepDelay = ReadSeconds(configuration, BlobSweepDelayVariable, defaults.BlobSweepDelay),
                RepairBytesPerSecond = ReadLong(configuration, RepairRateVariable, defaults.RepairBytesPerSecond),
            }.Validate();
        }
        catch (ArgumentException ex)
        {
            throw new NodeConfigurationException($"{ReplicasVariable}/{WriteQuorumVariable}/{TombstoneGraceVariable}: {ex.Message}");
        }

        var (advertiseHost, advertisePort) = ReadAddress(configuration, AdvertiseAddressVariable);
        return new NodeSettings
        {
            Identity = new NodeIdentity(LoadOrCreateNodeId(dataDirectory), name),
            DataDirectory = dataDirectory,
            Keys = new KeyRing(clusterKey, epochs, previous),
            AuthToken = authToken,
            Net = new NetOptions
            {
                Port = p2pPort,
                IdleTimeout = ReadSeconds(configuration, IdleTimeoutVariable, new NetOptions().IdleTimeout),
                MaxConnectionsPerAddress = ReadInt(configuration, MaxConnectionsPerAddressVariable, new NetOptions().MaxConnectionsPerAddress, 1, 65535),
                MaxConnections = ReadInt(configuration, MaxConnectionsVariable, new NetOptions().MaxConnections, 1, 65535),
                MaxFramesPerSecond = ReadInt(configuration, MaxFramesPerSecondVariable, new NetOptions().MaxFramesPerSecond, 0, int.MaxValue),
                ClockOffsetWarning = ReadSeconds(configuration, ClockOffsetWarnVariable, new NetOptions().ClockOffsetWarning),
            },
            Cluster = cluster,
            Membership = new MembershipOptions
            {
                Bootstrap = Bootstrap(configuration, name),
                AdvertiseHost = advertiseHost,
                AdvertisePort = advertisePort,
            },
            Storage = new StorageOptions
            {
                ProbeInterval = ReadSeconds(configuration, StorageProbeVariable, new StorageOptions().ProbeInterval),
                ScrubInterval = ReadSeconds(configuration, ScrubIntervalVariable, new StorageOptions().ScrubInterval),
                ScrubBytesPerSecond = ReadLong(configuration, ScrubRateVariable, new StorageOptions().ScrubBytesPerSecond),
            },
            Api = new ApiOptions { MaxObjectBytes = ReadLong(configuration, MaxObjectBytesVariable, new ApiOptions().MaxObjectBytes), AdminKey = apiKey, S3AdminKey = ReadS3Pair(configuration) },
            S3 = ReadS3(configuration),
            Warnings = warnings,
        };
    }

    /// <summary>The S3 endpoint: on only when <c>S3_PORT</c> is set.</summary>
    private static S3Options ReadS3(IConfiguration configuration)
    {
        var defaults = new S3Options();
        var port = string.IsNullOrWhiteSpace(configuration[S3PortVariable]) ? (int?)null : ReadInt(configuration, S3PortVariable, 0, 1, 65535);
        var region = configuration[S3RegionVariable] is { Length: > 0 } configured ? configured.Trim() : defaults.Region;
        if (region.Any(c => !(char.IsAsciiLetterOrDigit(c) || c == '-')))
        {
            throw new NodeConfigurationException($"{S3RegionVariable} must be a region name such as us-east-1; got '{region}'.");
        }

        var domains = (configuration[S3DomainVariable] ?? string.Empty)
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(d => d.TrimStart('.').ToLowerInvariant())
            .ToList();
        return new S3Options
        {
            Port = port,
            Region = region,
            Domains = domains,
            UploadMaxAge = ReadSeconds(configuration, S3UploadMaxAgeVariable, defaults.UploadMaxAge),
        };
    }

    /// <summary>The admin S3 pair: both variables or neither; a secret of 16+ characters.</summary>
    private static (string AccessKey, string SecretKey)? ReadS3Pair(IConfiguration configuration)
    {
        var access = configuration[S3AccessKeyVariable]?.Trim();
        var secret = configuration[S3SecretKeyVariable]?.Trim();
        if (string.IsNullOrEmpty(access) && string.IsNullOrEmpty(secret))
        {
            return null;
        }

        if (string.IsNullOrEmpty(access) || string.IsNullOrEmpty(secret))
        {
            throw new NodeConfigurationException($"{S3AccessKeyVariable} and {S3SecretKeyVariable} go together: set both or neither.");
        }

        if (access.Length < 3 || access.Any(c => !char.IsAsciiLetterOrDigit(c) && c is not ('-' or '_' or '.')))
        {
            throw new NodeConfigurationException($"{S3AccessKeyVariable} must be 3 or more letters, digits, '-', '_' or '.'.");
        }

        if (secret.Length < ApiKeyRing.MinimumLength)
        {
            throw new NodeConfigurationException($"{S3SecretKeyVariable} must be at least {ApiKeyRing.MinimumLength} characters long.");
        }

        return (access, secret);
    }

    /// <summary>Every service-discovery entry with a <c>tcp</c> endpoint (not this node's), and every <c>host:port</c> in PEERVAULT_BOOTSTRAP.</summary>
    public static IReadOnlyList<BootstrapPeer> Bootstrap(IConfiguration configuration, string selfName)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var peers = new List<BootstrapPeer>();
        foreach (var service in configuration.GetSection("services").GetChildren())
        {
            if (!string.Equals(service.Key, selfName, StringComparison.OrdinalIgnoreCase) && service.GetSection("tcp").GetChildren().Any(e => !string.IsNullOrWhiteSpace(e.Value)))
            {
                peers.Add(BootstrapPeer.FromService(service.Key));
            }
        }

        var listed = configuration[BootstrapVariable] ?? string.Empty;
        foreach (var entry in listed.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var (host, port) = ParseAddress(entry, BootstrapVariable);
            peers.Add(BootstrapPeer.FromAddress(host, port));
        }

        return peers;
    }

    /// <summary>A folder name valid on Windows too: no reserved characters such as ':'.</summary>
    public static string SafeFolderName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var invalid = Path.GetInvalidFileNameChars().Concat([':', '*', '?', '"', '<', '>', '|', '\\', '/']).ToHashSet();
        var safe = new string([.. name.Select(c => invalid.Contains(c) || char.IsControl(c) ? '_' : c)]).TrimEnd('.', ' ');
        return safe.Length == 0 ? "node" : safe;
    }

    private static (string? Host, int? Port) ReadAddress(IConfiguration configuration, string variable)
    {
        var value = configuration[variable];
        if (string.IsNullOrWhiteSpace(value))
        {
            return (null, null);
        }

        var (host, port) = ParseAddress(value.Trim(), variable);
        return (host, port);
    }

    private static (string Host, int Port) ParseAddress(string entry, string variable)
    {
        // tcp://host:port is how service discovery writes a peer's address, so an operator copying one is understood;
        // any other scheme or a path would otherwise become part of the host name and fail only when dialed.
        var address = entry.StartsWith(TcpScheme, StringComparison.OrdinalIgnoreCase) ? entry[TcpScheme.Length..] : entry;
        var colon = address.LastIndexOf(':');
        if (colon <= 0 || address.Contains('/', StringComparison.Ordinal)
            || !int.TryParse(address.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw new NodeConfigurationException($"{variable} entry '{entry}' is not host:port.");
        }

        return (address[..colon].Trim('[', ']'), port);
    }

    private static Guid LoadOrCreateNodeId(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, StorageHealth.NodeIdFileName);
        if (File.Exists(path) && Guid.TryParse(File.ReadAllText(path).Trim(), out var id))
        {
            return id;
        }

        id = Guid.NewGuid();
        File.WriteAllText(path, id.ToString("N"));
        return id;
    }

    private static string DevelopmentSecret(string dataDirectory, string fileName, Func<string> generate, string variable, string use, List<string> warnings)
    {
        var path = Path.Combine(dataDirectory, fileName);
        if (!File.Exists(path))
        {
            File.WriteAllText(path, generate());
        }

        warnings.Add($"{variable} is not set: using a development value kept in {path}. {use}; set {variable} for anything but development.");
        return File.ReadAllText(path).Trim();
    }

    private static TimeSpan ReadSeconds(IConfiguration configuration, string key, TimeSpan fallback)
    {
        var value = configuration[key];
        if (string.IsNullOrWhiteSpace(value))
        {
            return fallback;
        }

        return double.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds) && seconds is > 0 and <= 10 * 365 * 86400
            ? TimeSpan.FromSeconds(seconds)
            : throw new NodeConfigurationException($"{key} must be a number of seconds greater than 0; got '{value}'.");
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
            : throw new NodeConfigurationException($"{key} must be a whole number from {min} to {max}; got '{value}'.");
    }

    private static long ReadLong(IConfiguration configuration, string key, long fallback)
    {
        var value = configuration[key];
        if (string.IsNullOrWhiteSpace(value))
        {
            return fallback;
        }

        return long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed > 0
            ? parsed
            : throw new NodeConfigurationException($"{key} must be a whole number greater than 0; got '{value}'.");
    }
}
