using System.Data.Common;
using PeerVault.Contracts;

namespace PeerVault.Client;

/// <summary>
/// A PeerVault connection string: <c>Endpoints=http://a:8080,http://b:8080;Key=secret</c> (keys
/// case-insensitive, values with <c>;</c> or <c>=</c> quoted). What an Aspire AppHost hands a
/// service through <c>ConnectionStrings__{name}</c> when the service references the cluster.
/// A bare list of URLs (<c>http://a:8080,http://b:8080</c>) is endpoints without a key.
/// </summary>
public sealed record PeerVaultConnectionString(IReadOnlyList<Uri> Endpoints, string? ApiKey)
{
    /// <summary>Parses a connection string; a malformed one is an <see cref="ArgumentException"/> that says what is wrong.</summary>
    public static PeerVaultConnectionString Parse(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var text = connectionString.Trim();
        if (text.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            return new PeerVaultConnectionString(ParseEndpoints(text), null);
        }

        var builder = new DbConnectionStringBuilder();
        try
        {
            builder.ConnectionString = text;
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException($"Not a PeerVault connection string ({ex.Message}); expected {PeerVaultConnectionStringKeys.Endpoints}=http://host:port,…;{PeerVaultConnectionStringKeys.Key}=….", nameof(connectionString), ex);
        }

        string? endpoints = null, key = null;
        foreach (string name in builder.Keys)
        {
            var value = builder[name]?.ToString();
            if (string.Equals(name, PeerVaultConnectionStringKeys.Endpoints, StringComparison.OrdinalIgnoreCase) || string.Equals(name, "Endpoint", StringComparison.OrdinalIgnoreCase))
            {
                endpoints = value;
            }
            else if (string.Equals(name, PeerVaultConnectionStringKeys.Key, StringComparison.OrdinalIgnoreCase) || string.Equals(name, "ApiKey", StringComparison.OrdinalIgnoreCase))
            {
                key = value;
            }
            else
            {
                throw new ArgumentException($"A PeerVault connection string has no '{name}'; it takes {PeerVaultConnectionStringKeys.Endpoints} and {PeerVaultConnectionStringKeys.Key}.", nameof(connectionString));
            }
        }

        if (string.IsNullOrWhiteSpace(endpoints))
        {
            throw new ArgumentException($"The PeerVault connection string names no endpoint ({PeerVaultConnectionStringKeys.Endpoints}=http://host:port,…).", nameof(connectionString));
        }

        return new PeerVaultConnectionString(ParseEndpoints(endpoints), string.IsNullOrEmpty(key) ? null : key);
    }

    /// <summary>The endpoints, and the key masked: safe to log.</summary>
    public override string ToString()
        => $"{PeerVaultConnectionStringKeys.Endpoints}={string.Join(',', Endpoints.Select(e => e.ToString().TrimEnd('/')))}" + (ApiKey is null ? string.Empty : $";{PeerVaultConnectionStringKeys.Key}=***");

    private static List<Uri> ParseEndpoints(string value)
    {
        var endpoints = new List<Uri>();
        foreach (var part in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Uri.TryCreate(part, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                throw new ArgumentException($"'{part}' is not an http:// or https:// URL.", nameof(value));
            }

            endpoints.Add(uri);
        }

        return endpoints.Count > 0 ? endpoints : throw new ArgumentException("The PeerVault connection string names no endpoint.", nameof(value));
    }
}
