using System.Security.Cryptography;
using System.Text;

namespace PeerVault.Node.Security;

/// <summary>
/// The 32-byte secret every node of a cluster shares; object keys are derived from it per purpose
/// and epoch. Only its <see cref="KeyId"/> (a one-way fingerprint) ever appears in logs, headers
/// or telemetry.
/// </summary>
public sealed class ClusterKey
{
    public const string EnvironmentVariable = "PEERVAULT_CLUSTER_KEY";
    public const int Size = 32;
    public const int KeyIdSize = 8;

    private static readonly byte[] DerivationSalt = "peervault/v1/cluster"u8.ToArray();
    private readonly byte[] _secret;

    private ClusterKey(byte[] secret)
    {
        _secret = secret;
        KeyIdBytes = HKDF.DeriveKey(HashAlgorithmName.SHA256, _secret, KeyIdSize, DerivationSalt, "key-id"u8.ToArray());
        KeyId = Convert.ToHexStringLower(KeyIdBytes);
    }

    /// <summary>A public fingerprint naming this key (16 hex characters), stored in every object header.</summary>
    public string KeyId { get; }

    internal byte[] KeyIdBytes { get; }

    public static ClusterKey Generate() => new(RandomNumberGenerator.GetBytes(Size));

    /// <summary>Parses 64 hex characters. The message of a failure names the variable, never the value.</summary>
    public static ClusterKey Parse(string? value, string source = EnvironmentVariable)
    {
        var trimmed = value?.Trim() ?? string.Empty;
        if (trimmed.Length != Size * 2 || !trimmed.All(char.IsAsciiHexDigit))
        {
            throw new NodeConfigurationException(
                $"{source} must be exactly {Size * 2} hexadecimal characters (32 bytes); the value given has {trimmed.Length} characters{(trimmed.All(char.IsAsciiHexDigit) ? string.Empty : " and non-hex characters")}. " +
                "Generate one with: openssl rand -hex 32");
        }

        return new ClusterKey(Convert.FromHexString(trimmed));
    }

    /// <summary>The hex form, for the one place it is persisted: a development node's own data directory.</summary>
    internal string ToHex() => Convert.ToHexStringLower(_secret);

    /// <summary>HKDF-SHA256 of the cluster key for one purpose in one epoch.</summary>
    internal byte[] DeriveKey(string purpose, long epoch)
        => HKDF.DeriveKey(HashAlgorithmName.SHA256, _secret, 32, DerivationSalt, Encoding.UTF8.GetBytes($"{purpose}/epoch={epoch}"));

    public override string ToString() => $"ClusterKey({KeyId})";
}

/// <summary>A setting (cluster key, auth token, port…) is unusable; the node refuses to start and says which.</summary>
public sealed class NodeConfigurationException : Exception
{
    public NodeConfigurationException()
    {
    }

    public NodeConfigurationException(string message)
        : base(message)
    {
    }

    public NodeConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
