using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace PeerVault.Hosting;

/// <summary>The secrets every node of a cluster shares, as secret parameters.</summary>
/// <param name="ClusterKey">The key (64 hex characters) every node derives object encryption keys from.</param>
/// <param name="AuthToken">The secret nodes prove to each other in the handshake.</param>
/// <param name="ApiKey">The admin API key clients send as <c>Authorization: Bearer</c>.</param>
/// <param name="S3AccessKey">The admin S3 access key id (null: the nodes have no S3 pair).</param>
/// <param name="S3SecretKey">The admin S3 secret key that signs S3 requests.</param>
public sealed record PeerVaultSecrets(
    IResourceBuilder<ParameterResource> ClusterKey,
    IResourceBuilder<ParameterResource> AuthToken,
    IResourceBuilder<ParameterResource> ApiKey,
    IResourceBuilder<ParameterResource>? S3AccessKey = null,
    IResourceBuilder<ParameterResource>? S3SecretKey = null);

public static partial class PeerVaultClusterExtensions
{
    /// <summary>Most nodes <c>--nodes</c> may ask for: each is a process with two ports on this machine.</summary>
    public const int MaxNodes = 16;

    /// <summary>
    /// Reads how many nodes to run: <c>--nodes N</c> on the command line (or <c>PeerVault:Nodes</c>),
    /// else <paramref name="fallback"/>. Returns false with a one-line reason for anything else.
    /// </summary>
    public static bool TryGetNodeCount(this IConfiguration configuration, int fallback, out int nodes, out string? error)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var value = configuration["nodes"] ?? configuration["PeerVault:Nodes"];
        error = null;
        nodes = fallback;
        if (value is null)
        {
            return true;
        }

        if (int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out nodes) && nodes is >= 1 and <= MaxNodes)
        {
            return true;
        }

        error = $"--nodes must be a whole number from 1 to {MaxNodes}; got '{value}'.";
        return false;
    }

    /// <summary>
    /// Adds a PeerVault cluster: <paramref name="nodes"/> node processes named <c>node1</c>…, each with
    /// an HTTP API endpoint (<c>http</c>) and a peer-protocol endpoint (<c>tcp</c>, not proxied, so
    /// peers see each other's real addresses), its own data directory, and the shared secrets
    /// (generated on the first run and kept in the AppHost's user secrets). Every node references
    /// every other one, which is how each learns its bootstrap peers through service discovery.
    /// The returned resource is the cluster other services use:
    /// <c>.WithReference(cluster).WaitFor(cluster)</c> gives a project its connection string
    /// (<see cref="PeerVaultClusterResource"/>) and starts it once every node is healthy.
    /// </summary>
    public static IResourceBuilder<PeerVaultClusterResource> AddPeerVaultCluster<TNode>(this IDistributedApplicationBuilder builder, string name = "peervault", int nodes = 3)
        where TNode : IProjectMetadata, new()
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentOutOfRangeException.ThrowIfLessThan(nodes, 1);

        var clusterKey = builder.AddParameter("cluster-key", new HexKeyParameterDefault(bytes: 32), secret: true, persist: true)
            .WithDescription("The key every node derives object encryption keys from: 64 hex characters (`openssl rand -hex 32`). Changing it makes stored objects unreadable unless the old key is kept in PEERVAULT_PREVIOUS_CLUSTER_KEYS.", enableMarkdown: true);
        var authToken = builder.AddParameter("auth-token", new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true, persist: true)
            .WithDescription("The secret nodes prove to each other before they exchange anything (16 characters or more).");
        var apiKey = builder.AddParameter("api-key", new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true, persist: true)
            .WithDescription("The admin API key: clients send it as `Authorization: Bearer <key>` (16 characters or more). Scoped keys for other clients go in `PEERVAULT_API_KEYS_FILE`.", enableMarkdown: true);
        var s3AccessKey = builder.AddParameter("s3-access-key", new HexKeyParameterDefault(bytes: 10), secret: true, persist: true)
            .WithDescription("The admin S3 access key id (AWS Signature Version 4): S3 clients name it as their access key (`aws configure`, rclone's `access_key_id`).", enableMarkdown: true);
        var s3SecretKey = builder.AddParameter("s3-secret-key", new GenerateParameterDefault { MinLength = 40, Special = false }, secret: true, persist: true)
            .WithDescription("The admin S3 secret key that signs S3 requests (16 characters or more). Scoped S3 pairs for other clients go in `PEERVAULT_API_KEYS_FILE` (`S3AccessKey`, `S3SecretKey`).", enableMarkdown: true);
        var secrets = new PeerVaultSecrets(clusterKey, authToken, apiKey, s3AccessKey, s3SecretKey);
        var resource = new PeerVaultClusterResource(name, secrets);
        var cluster = builder.AddResource(resource)
            .WithNodeDerivedState()
            // In a manifest the cluster is a value: its connection string, in terms of the nodes' bindings.
            .WithManifestPublishingCallback(context =>
            {
                context.Writer.WriteString("type", "value.v0");
                context.Writer.WriteString("connectionString", resource.ConnectionStringExpression.ValueExpression);
            });

        // Node settings for every node, from the AppHost's configuration: e.g.
        // --PeerVault:NodeEnvironment:PEERVAULT_REPLICAS=2 (tests use it to shorten intervals).
        var nodeEnvironment = builder.Configuration.GetSection("PeerVault:NodeEnvironment").GetChildren()
            .Where(s => s.Value is not null)
            .ToDictionary(s => s.Key, s => s.Value!, StringComparer.Ordinal);
        var dataRoot = builder.Configuration["PeerVault:DataRoot"] is { Length: > 0 } configured
            ? Path.GetFullPath(configured)
            : Path.Combine(builder.AppHostDirectory, ".data");
        var members = new List<IResourceBuilder<ProjectResource>>();
        for (var ordinal = 0; ordinal < nodes; ordinal++)
        {
            var node = builder.AddPeerVaultNode<TNode>($"node{ordinal + 1}", secrets, Path.Combine(dataRoot, $"node{ordinal + 1}"))
                .WithAnnotation(new PeerVaultNodeAnnotation(name, ordinal, nodes))
                .WithParentRelationship(cluster);
            foreach (var (variable, value) in nodeEnvironment)
            {
                node.WithEnvironment(variable, value);
            }

            members.Add(node);
            cluster.Resource.Add(node.Resource);
        }

        foreach (var node in members)
        {
            foreach (var peer in members.Where(p => p != node))
            {
                node.WithReference(peer);
            }
        }

        if (builder.ExecutionContext.IsRunMode)
        {
            // The CLI's way in: every node's API URL and the admin key, in <data root>/cli.json.
            var connectionFile = new CliConnectionFile(Path.Combine(dataRoot, CliConnectionFile.FileName), members, apiKey.Resource);

            // S3 clients' way in: the pair and every node's S3 URL in ready-made configurations.
            var s3Files = new S3ConnectionFiles(dataRoot, members, s3AccessKey.Resource, s3SecretKey.Resource);
            foreach (var node in members)
            {
                builder.Eventing.Subscribe<ResourceEndpointsAllocatedEvent>(node.Resource, async (e, cancellationToken) =>
                {
                    try
                    {
                        await connectionFile.WriteAsync(cancellationToken);
                        await s3Files.WriteAsync(cancellationToken);
                    }
                    catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                    {
                        // The cluster runs without it; the CLI then needs --endpoint and --api-key.
                        LogConnectionFileFailed(e.Services.GetRequiredService<ILoggerFactory>().CreateLogger("PeerVault.Hosting"), connectionFile.Path, ex.Message);
                    }
                });
            }
        }

        builder.Eventing.Subscribe<BeforeStartEvent>((e, _) =>
        {
            var logger = e.Services.GetRequiredService<ILoggerFactory>().CreateLogger("PeerVault.Hosting");
            foreach (var node in members)
            {
                if (node.Resource.TryGetLastAnnotation<DataDirectoryAnnotation>(out var data))
                {
                    LogDataDirectory(logger, node.Resource.Name, data.LocalPath);
                }
            }

            return Task.CompletedTask;
        });

        return cluster;
    }

    /// <summary>Adds one node process; <see cref="AddPeerVaultCluster{TNode}"/> calls it for each member.</summary>
    public static IResourceBuilder<ProjectResource> AddPeerVaultNode<TNode>(this IDistributedApplicationBuilder builder, string name, PeerVaultSecrets secrets, string dataDirectory)
        where TNode : IProjectMetadata, new()
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(secrets);

        // A fixed target port is bound literally when run, so three nodes would collide: ports inside
        // a container are only named when publishing; a run lets every endpoint take a free port.
        var publishing = builder.ExecutionContext.IsPublishMode;
        return builder.AddProject<TNode>(name)
            // The API is plain HTTP (TLS comes from a proxy or Kestrel's own certificate settings):
            // no development certificate is handed to the node, so Aspire has none to warn about.
            .WithoutHttpsCertificate()
            .WithHttpEndpoint(targetPort: publishing ? NodeEnvironment.ContainerHttpPort : null, name: PeerVaultClusterResource.HttpEndpointName)
            .WithEndpoint(targetPort: publishing ? NodeEnvironment.ContainerP2PPort : null, scheme: "tcp", name: "tcp", env: NodeEnvironment.P2PPort, isProxied: false)
            // The S3 endpoint: S3_PORT tells the node where to listen for it.
            .WithHttpEndpoint(targetPort: publishing ? NodeEnvironment.ContainerS3Port : null, name: "s3", env: NodeEnvironment.S3Port)
            // Readiness (all of /health: storage writable) and liveness (/alive) as probes, so that
            // publishers carry them into containers; each is also a health check when run.
            .WithHttpProbe(ProbeType.Readiness, "/health", endpointName: "http")
            .WithHttpProbe(ProbeType.Liveness, "/alive", endpointName: "http")
            .WithDataDirectory(NodeEnvironment.DataDirectory, dataDirectory)
            .WithEnvironment(NodeEnvironment.NodeName, name)
            .WithEnvironment(NodeEnvironment.ClusterKey, secrets.ClusterKey)
            .WithEnvironment(NodeEnvironment.AuthToken, secrets.AuthToken)
            .WithEnvironment(NodeEnvironment.ApiKey, secrets.ApiKey)
            .WithS3Pair(secrets)
            // The AppHost's own calls (health, commands) authenticate with the admin key.
            .WithAnnotation(new NodeApiKeyAnnotation(secrets.ApiKey.Resource))
            .WithUrlForEndpoint("http", url => url.DisplayText = "API")
            .WithUrlForEndpoint("s3", url => url.DisplayText = "S3")
            .WithUrls(context =>
            {
                if (context.GetEndpoint("http") is { IsAllocated: true } api)
                {
                    context.Urls.Add(new ResourceUrlAnnotation { Url = $"{api.Url}/v1/cluster", DisplayText = "Cluster status", Endpoint = api });
                }
            })
            .WithClusterHealthCheck()
            .WithNodeCommands()
            // A node that refuses to start (a bad key, a port in use) says why on standard error.
            .WithOutputOnAppHostConsole(errorsOnly: true);
    }

    private static IResourceBuilder<ProjectResource> WithS3Pair(this IResourceBuilder<ProjectResource> node, PeerVaultSecrets secrets)
        => secrets is { S3AccessKey: { } access, S3SecretKey: { } secret }
            ? node.WithEnvironment(NodeEnvironment.S3AccessKey, access).WithEnvironment(NodeEnvironment.S3SecretKey, secret)
            : node;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not write the CLI's connection file {Path}: {Error}")]
    private static partial void LogConnectionFileFailed(ILogger logger, string path, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Node} keeps its data in {DataDirectory}")]
    private static partial void LogDataDirectory(ILogger logger, string node, string dataDirectory);
}
