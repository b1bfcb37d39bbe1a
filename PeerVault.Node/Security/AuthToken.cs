using System.Security.Cryptography;
using System.Text;

namespace PeerVault.Node.Security;

/// <summary>
/// The shared secret that lets nodes recognise each other. The handshake never uses the token
/// directly: it uses an HKDF-derived key, so the token's form (any string) does not matter.
/// </summary>
public sealed class AuthToken
{
    public const string EnvironmentVariable = "PEERVAULT_AUTH_TOKEN";
    public const int MinimumLength = 16;

    private AuthToken(byte[] handshakeKey) => HandshakeKey = handshakeKey;

    internal byte[] HandshakeKey { get; }

    public static AuthToken Parse(string? value, string source = EnvironmentVariable)
    {
        if (string.IsNullOrWhiteSpace(value) || value.Trim().Length < MinimumLength)
        {
            throw new NodeConfigurationException($"{source} must be at least {MinimumLength} characters long.");
        }

        return new AuthToken(HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(value.Trim()), 32, "peervault/v1/auth"u8.ToArray(), "handshake"u8.ToArray()));
    }

    /// <summary>A random token for a development node that was given none.</summary>
    internal static string GenerateValue() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));

    public override string ToString() => "AuthToken(***)";
}
