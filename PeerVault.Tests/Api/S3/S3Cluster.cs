using Amazon.Runtime;
using Amazon.S3;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Minio;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Api.S3;

/// <summary>
/// One three-node cluster of real node processes (the AppHost, which gives each node its
/// <c>s3</c> endpoint and the generated S3 pair) shared by every S3 client test: clients of the
/// AWS SDK for .NET (its default checksum behaviour on) and of MinIO's SDK for any node.
/// </summary>
public sealed class S3Cluster : IAsyncLifetime
{
    public const string Region = "us-east-1";

    public ClusterApp Cluster { get; private set; } = null!;

    public string AccessKey { get; private set; } = null!;

    public string SecretKey { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        // Empty lists in answers as empty collections, not null (the SDK's version 4 default).
        Amazon.AWSConfigs.InitializeCollections = true;
        // Virtual-hosted style under localhost: bucket.localhost names the bucket.
        Cluster = await ClusterApp.StartAsync(new ClusterAppOptions().With("PEERVAULT_S3_DOMAIN", "localhost"));
        var model = Cluster.App.Services.GetRequiredService<DistributedApplicationModel>();
        async Task<string> Parameter(string name) => await model.Resources.OfType<ParameterResource>().Single(p => p.Name == name).GetValueAsync(CancellationToken.None) ?? throw new InvalidOperationException(name);
        AccessKey = await Parameter("s3-access-key");
        SecretKey = await Parameter("s3-secret-key");
    }

    /// <summary>The node's S3 endpoint (through the orchestrator's proxy, so it survives the node's restarts).</summary>
    public Uri Endpoint(string node) => Cluster.App.GetEndpoint(node, "s3");

    public AmazonS3Client Aws(string node, string? secret = null, string? accessKey = null)
        => new(
            new BasicAWSCredentials(accessKey ?? AccessKey, secret ?? SecretKey),
            new AmazonS3Config
            {
                ServiceURL = Endpoint(node).ToString().TrimEnd('/'),
                ForcePathStyle = true,
                AuthenticationRegion = Region,
                MaxErrorRetry = 2,
                Timeout = TimeSpan.FromMinutes(2),
            });

    public IMinioClient Minio(string node)
    {
        var endpoint = Endpoint(node);
        return new MinioClient()
            .WithEndpoint(endpoint.Host, endpoint.Port)
            .WithCredentials(AccessKey, SecretKey)
            .WithRegion(Region)
            .Build();
    }

    public HttpClient Native(string node) => Cluster.Http(node);

    public async ValueTask DisposeAsync() => await Cluster.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class S3ClusterGroup : ICollectionFixture<S3Cluster>
{
    public const string Name = "S3 cluster";
}
