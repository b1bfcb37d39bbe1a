namespace PeerVault.Hosting;

/// <summary>
/// The environment variables a PeerVault node reads (PeerVault.Node's settings). They are the
/// contract between the AppHost and a node process, written down once on this side of it.
/// </summary>
public static class NodeEnvironment
{
    public const string NodeName = "PEERVAULT_NODE_NAME";
    public const string DataDirectory = "PEERVAULT_DATA_DIR";
    public const string ClusterKey = "PEERVAULT_CLUSTER_KEY";
    public const string AuthToken = "PEERVAULT_AUTH_TOKEN";

    /// <summary>The admin API key a node accepts, and a client sends as <c>Authorization: Bearer</c>.</summary>
    public const string ApiKey = "PEERVAULT_API_KEY";
    public const string P2PPort = "P2P_PORT";

    /// <summary>The port of the node's S3 endpoint (it listens for S3 only when this is set).</summary>
    public const string S3Port = "S3_PORT";

    /// <summary>The admin S3 key pair (AWS Signature Version 4).</summary>
    public const string S3AccessKey = "PEERVAULT_S3_ACCESS_KEY";
    public const string S3SecretKey = "PEERVAULT_S3_SECRET_KEY";

    /// <summary>The node's S3 port inside a container.</summary>
    public const int ContainerS3Port = 9000;

    /// <summary>Comma-separated <c>host:port</c> peers; a host name may resolve to several addresses (a headless Service).</summary>
    public const string Bootstrap = "PEERVAULT_BOOTSTRAP";

    /// <summary>The node's HTTP port inside a container (ASP.NET Core's <c>HTTP_PORTS</c>).</summary>
    public const int ContainerHttpPort = 8080;

    /// <summary>The node's P2P port inside a container.</summary>
    public const int ContainerP2PPort = 7000;
}
