using System.Text.Json.Nodes;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Hosting.Publishing;

/// <summary><c>--publisher manifest</c>: Aspire's own manifest of PeerVault's model.</summary>
[Trait("Category", "Publishing")]
public sealed class ManifestPublisherTests
{
    [Fact]
    public async Task The_manifest_passes_Aspires_published_schema_and_refers_to_secrets_without_inlining_them()
    {
        using var directory = new TempDirectory();
        var run = await AppHostPublisher.PublishAsync(directory, "manifest", directory.Sub("out/aspire-manifest.json"));

        var manifest = JsonNode.Parse(File.ReadAllText(run.OutputPath))!;
        Assert.Empty(PublishedSchemas.Errors(PublishedSchemas.AspireManifest, manifest));

        var resources = manifest["resources"]!.AsObject();
        foreach (var secret in new[] { "cluster-key", "auth-token", "api-key" })
        {
            var input = resources[secret]!["inputs"]!["value"]!;
            Assert.True(input["secret"]!.GetValue<bool>(), $"{secret} is marked secret");
            Assert.Null(input["value"]);
            Assert.NotNull(input["default"]!["generate"]);
        }

        var nodes = resources.Where(r => r.Value!["env"]?["PEERVAULT_CLUSTER_KEY"] is not null).ToList();
        Assert.Equal(3, nodes.Count);
        foreach (var (_, node) in nodes)
        {
            Assert.Equal("{cluster-key.value}", node!["env"]!["PEERVAULT_CLUSTER_KEY"]!.GetValue<string>());
            Assert.Equal("{auth-token.value}", node["env"]!["PEERVAULT_AUTH_TOKEN"]!.GetValue<string>());
            Assert.Equal("{api-key.value}", node["env"]!["PEERVAULT_API_KEY"]!.GetValue<string>());
        }

        AppHostPublisher.AssertNoSecretIn(run);
    }

    [Fact]
    public void The_manifest_schema_rejects_a_resource_it_does_not_know()
    {
        // The schema check above could pass anything if the schema failed to load as a real one.
        var manifest = JsonNode.Parse("""{ "resources": { "x": { "type": "project.v0" } } }""")!;

        Assert.NotEmpty(PublishedSchemas.Errors(PublishedSchemas.AspireManifest, manifest));
    }
}
