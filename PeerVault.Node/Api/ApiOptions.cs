namespace PeerVault.Node.Api;

/// <summary>Limits of the client API.</summary>
public sealed record ApiOptions
{
    /// <summary>Largest object a PUT accepts (<c>PEERVAULT_MAX_OBJECT_BYTES</c>).</summary>
    public long MaxObjectBytes { get; init; } = 64L << 30;

    /// <summary>The admin API key (<c>PEERVAULT_API_KEY</c>): every scope.</summary>
    public string? AdminKey { get; init; }

    /// <summary>The admin S3 pair (<c>PEERVAULT_S3_ACCESS_KEY</c>, <c>PEERVAULT_S3_SECRET_KEY</c>): every scope.</summary>
    public (string AccessKey, string SecretKey)? S3AdminKey { get; init; }
}
