namespace PeerVault.Contracts;

/// <summary>
/// The keys of a PeerVault connection string, <c>Endpoints=http://a:8080,http://b:8080;Key=…</c>:
/// what an Aspire AppHost hands a service it references the cluster from (PeerVault.Hosting writes
/// it, PeerVault.Client reads it). Keys are case-insensitive; a value holding <c>;</c> or <c>=</c>
/// is quoted as in any ADO.NET-style connection string.
/// </summary>
public static class PeerVaultConnectionStringKeys
{
    /// <summary>Comma-separated node API URLs (<c>http://</c> or <c>https://</c>), tried in turn.</summary>
    public const string Endpoints = "Endpoints";

    /// <summary>The API key every request carries (<c>Authorization: Bearer</c>).</summary>
    public const string Key = "Key";
}
