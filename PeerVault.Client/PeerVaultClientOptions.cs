namespace PeerVault.Client;

/// <summary>Where a <see cref="PeerVaultClient"/> sends requests, with which key, and how long it waits.</summary>
public sealed class PeerVaultClientOptions
{
    /// <summary>Node API URLs. A request goes to one; the others are tried in turn when it cannot be reached.</summary>
    public IList<Uri> Endpoints { get; } = [];

    /// <summary>The API key every request carries (<c>Authorization: Bearer</c>); null sends none.</summary>
    public string? ApiKey { get; set; }

    /// <summary>How long connecting to a node may take before the next endpoint is tried (default 5 s).</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a request without a body waits for the answer's headers before the next endpoint is
    /// tried (default 15 s): a proxy in front of a stopped node accepts connections and never
    /// answers. Uploads and the bodies of downloads have no deadline once under way; cancel them
    /// with the cancellation token.
    /// </summary>
    public TimeSpan ResponseTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>A product token put before the client's own in <c>User-Agent</c> (e.g. <c>peervault-cli/1.0</c>).</summary>
    public string? UserAgent { get; set; }

    /// <summary>Options from a connection string (<see cref="PeerVaultConnectionString"/>).</summary>
    public static PeerVaultClientOptions FromConnectionString(string connectionString)
    {
        var parsed = PeerVaultConnectionString.Parse(connectionString);
        var options = new PeerVaultClientOptions { ApiKey = parsed.ApiKey };
        foreach (var endpoint in parsed.Endpoints)
        {
            options.Endpoints.Add(endpoint);
        }

        return options;
    }

    internal void Validate()
    {
        if (Endpoints.Count == 0)
        {
            throw new ArgumentException("No PeerVault endpoint: give at least one node API URL (http:// or https://).", nameof(Endpoints));
        }

        foreach (var endpoint in Endpoints)
        {
            if (!endpoint.IsAbsoluteUri || endpoint.Scheme is not ("http" or "https"))
            {
                throw new ArgumentException($"'{endpoint}' is not an http:// or https:// URL.", nameof(Endpoints));
            }
        }

        if (ConnectTimeout <= TimeSpan.Zero || ResponseTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("ConnectTimeout and ResponseTimeout must be positive.");
        }
    }
}
