namespace PeerVault.Node.Api.S3;

/// <summary>The S3 endpoint's settings (<c>S3_PORT</c>, <c>PEERVAULT_S3_*</c>).</summary>
public sealed record S3Options
{
    public const string DefaultRegion = "us-east-1";

    /// <summary>The port the S3 endpoint listens on; null: no S3 endpoint.</summary>
    public int? Port { get; init; }

    /// <summary>The region requests must be signed for.</summary>
    public string Region { get; init; } = DefaultRegion;

    /// <summary>
    /// Host names under which the bucket is the first label (virtual-hosted style:
    /// <c>photos.s3.example.com</c> with domain <c>s3.example.com</c>); any other host is path style.
    /// </summary>
    public IReadOnlyList<string> Domains { get; init; } = [];

    /// <summary>Multipart uploads neither completed nor aborted for this long are removed with their parts.</summary>
    public TimeSpan UploadMaxAge { get; init; } = TimeSpan.FromDays(1);

    /// <summary>How far a signed request's time may be from this node's clock (S3's 15 minutes).</summary>
    public TimeSpan MaxRequestSkew { get; init; } = TimeSpan.FromMinutes(15);
}
