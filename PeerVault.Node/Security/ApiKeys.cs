using System.Security.Cryptography;
using System.Text;

namespace PeerVault.Node.Security;

/// <summary>What a client API key may do. Admin includes the others.</summary>
public static class ApiScopes
{
    public const string Read = "read";
    public const string Write = "write";
    public const string Admin = "admin";

    public static readonly IReadOnlyList<string> All = [Read, Write, Admin];
}

/// <summary>One configured key: its secret and what it may do.</summary>
public sealed class ApiKeyEntry
{
    public string Key { get; set; } = string.Empty;

    public List<string> Scopes { get; set; } = [];

    /// <summary>An S3 access key id for the same caller and scopes (optional; with <see cref="S3SecretKey"/>).</summary>
    public string? S3AccessKey { get; set; }

    /// <summary>The S3 secret access key that signs this caller's S3 requests (SigV4).</summary>
    public string? S3SecretKey { get; set; }
}

/// <summary>An S3 key pair: the access key id a request names, the secret that signs it, and whose scopes it carries.</summary>
public sealed record S3Credential(string Name, string AccessKey, string SecretKey, IReadOnlySet<string> Scopes)
{
    public ApiCaller Caller => new(Name, Scopes);

    /// <summary>Never the secret.</summary>
    public override string ToString() => $"{Name} ({AccessKey})";
}

/// <summary>
/// The client API keys from configuration (<c>PeerVault:ApiKeys:{name}:Key</c> and <c>:Scopes</c>,
/// e.g. from the file <c>PEERVAULT_API_KEYS_FILE</c>, which is watched and reloaded without a
/// restart), besides the admin key <c>PEERVAULT_API_KEY</c>.
/// </summary>
public sealed class ApiKeyOptions
{
    public const string Section = "PeerVault:ApiKeys";

    public Dictionary<string, ApiKeyEntry> Keys { get; } = new(StringComparer.Ordinal);
}

/// <summary>A caller the API recognised: the key's name and its scopes.</summary>
public sealed record ApiCaller(string Name, IReadOnlySet<string> Scopes)
{
    public bool May(string scope) => Scopes.Contains(ApiScopes.Admin) || Scopes.Contains(scope);
}

/// <summary>
/// Recognises presented API keys. Keys are kept as SHA-256 digests and compared with
/// <see cref="CryptographicOperations.FixedTimeEquals"/>, every configured key each time, so neither
/// the comparison nor which key matched shows in the response time.
/// </summary>
public sealed class ApiKeyRing
{
    public const int MinimumLength = 16;

    private readonly List<(string Name, byte[] Digest, IReadOnlySet<string> Scopes)> _keys;
    private readonly Dictionary<string, S3Credential> _s3 = new(StringComparer.Ordinal);

    public ApiKeyRing(string? adminKey, IEnumerable<KeyValuePair<string, ApiKeyEntry>> named, Action<string>? warn = null, (string AccessKey, string SecretKey)? s3Admin = null)
    {
        var keys = new List<(string Name, byte[] Digest, IReadOnlySet<string> Scopes)>();
        var every = new HashSet<string>(ApiScopes.All, StringComparer.Ordinal);
        if (!string.IsNullOrEmpty(adminKey))
        {
            keys.Add(("admin", Digest(adminKey), every));
        }

        if (s3Admin is { } pair)
        {
            _s3[pair.AccessKey] = new S3Credential("admin", pair.AccessKey, pair.SecretKey, every);
        }

        foreach (var (name, entry) in named ?? [])
        {
            var scopes = entry.Scopes.Select(s => s.Trim().ToLowerInvariant()).ToHashSet(StringComparer.Ordinal);
            if (entry.Key.Length < MinimumLength || scopes.Count == 0 || !scopes.IsSubsetOf(ApiScopes.All))
            {
                warn?.Invoke($"API key '{name}' is ignored: a key needs {MinimumLength}+ characters and scopes from {string.Join(", ", ApiScopes.All)}.");
                continue;
            }

            keys.Add((name, Digest(entry.Key), scopes));
            if (!string.IsNullOrEmpty(entry.S3AccessKey) || !string.IsNullOrEmpty(entry.S3SecretKey))
            {
                if (entry.S3AccessKey is not { Length: >= 3 } access || entry.S3SecretKey is not { Length: >= MinimumLength } secret || !_s3.TryAdd(access, new S3Credential(name, access, secret, scopes)))
                {
                    warn?.Invoke($"The S3 pair of API key '{name}' is ignored: it needs an access key that no other key uses and a secret of {MinimumLength}+ characters.");
                }
            }
        }

        _keys = keys;
    }

    /// <summary>The S3 pair whose access key id this is (ids are not secret; the signature proves the secret).</summary>
    public S3Credential? FindS3(string accessKey) => _s3.GetValueOrDefault(accessKey);

    /// <summary>How many S3 pairs are in force.</summary>
    public int S3Count => _s3.Count;

    public int Count => _keys.Count;

    public ApiCaller? Find(string presented)
    {
        var digest = Digest(presented);
        ApiCaller? found = null;
        foreach (var (name, expected, scopes) in _keys)
        {
            if (CryptographicOperations.FixedTimeEquals(digest, expected))
            {
                found ??= new ApiCaller(name, scopes);
            }
        }

        return found;
    }

    private static byte[] Digest(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key.Trim()));
}
