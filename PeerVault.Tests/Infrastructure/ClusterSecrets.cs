using System.Security.Cryptography;

namespace PeerVault.Tests.Infrastructure;

/// <summary>A fresh cluster key, auth token and admin API key, as the AppHost would generate them.</summary>
public sealed record ClusterSecrets(string ClusterKey, string AuthToken, string ApiKey)
{
    public static ClusterSecrets Generate()
        => new(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)), Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24)), Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24)));

    /// <summary>The id of the cluster key, as a node on these secrets says it at the handshake.</summary>
    public PeerVault.Node.Security.ClusterKeyIds KeyIds => PeerVault.Node.Security.ClusterKeyIds.Of(PeerVault.Node.Security.ClusterKey.Parse(ClusterKey));

    /// <summary>The environment variables a node (or the demo) reads them from.</summary>
    public Dictionary<string, string?> Environment() => new()
    {
        ["PEERVAULT_CLUSTER_KEY"] = ClusterKey,
        ["PEERVAULT_AUTH_TOKEN"] = AuthToken,
        ["PEERVAULT_API_KEY"] = ApiKey,
    };
}
