using System.Security.Cryptography;

namespace PeerVault.Tests.Infrastructure;

/// <summary>A fresh cluster key and auth token, as the AppHost would generate them.</summary>
public sealed record ClusterSecrets(string ClusterKey, string AuthToken)
{
    public static ClusterSecrets Generate()
        => new(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)), Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24)));
}
