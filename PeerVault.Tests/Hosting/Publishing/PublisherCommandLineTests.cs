using System.Diagnostics;
using k8s.Models;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Hosting.Publishing;

/// <summary>The AppHost's publishing command line as a user types it: a wrong publisher name, and <c>--nodes</c>.</summary>
[Trait("Category", "Publishing")]
public sealed class PublisherCommandLineTests
{
    [Fact]
    public async Task An_unknown_publisher_exits_at_once_naming_the_valid_ones_and_writes_nothing()
    {
        using var directory = new TempDirectory();
        var clock = Stopwatch.StartNew();

        var run = await AppHostPublisher.RunAsync(directory, "nonsense", directory.Sub("out"));

        Assert.NotEqual(0, run.ExitCode);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
        Assert.Contains(run.Lines, l => l.Contains("'nonsense'", StringComparison.Ordinal) && l.Contains("manifest, docker-compose, kubernetes", StringComparison.Ordinal));
        Assert.False(Directory.Exists(directory.Sub("out")), "nothing is written for an unknown publisher");
    }

    [Fact]
    public async Task Five_nodes_publish_as_five_replicas_and_five_compose_node_services()
    {
        using var directory = new TempDirectory();

        var kubernetes = await AppHostPublisher.PublishAsync(directory, "kubernetes", directory.Sub("k8s"), "--nodes", "5");
        var compose = await AppHostPublisher.PublishAsync(directory, "docker-compose", directory.Sub("compose"), "--nodes", "5");

        var manifests = KubernetesManifests.Load(kubernetes.Files);
        Assert.Equal(5, Assert.Single(manifests.OfType<V1StatefulSet>()).Spec.Replicas);
        Assert.Equal(5, Assert.Single(manifests.OfType<V1Job>()).Spec.Template.Spec.InitContainers.Single().Command.Count(a => a.StartsWith("http://", StringComparison.Ordinal)));

        var services = PublishedSchemas.FromYaml(compose.Read("docker-compose.yaml"))["services"]!.AsObject();
        var nodes = services.Where(s => s.Value!["environment"]?["PEERVAULT_CLUSTER_KEY"] is not null).Select(s => s.Key).ToList();
        Assert.Equal(["node1", "node2", "node3", "node4", "node5"], nodes);
        Assert.Equal(nodes, services["demo"]!["depends_on"]!.AsObject().Select(d => d.Key));
        Assert.Equal(4, services["node5"]!["environment"]!.AsObject().Count(e => e.Key.StartsWith("services__", StringComparison.Ordinal) && e.Key.EndsWith("__tcp__0", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Image_tag_pins_every_project_image_to_the_tag_given()
    {
        using var directory = new TempDirectory();

        var kubernetes = await AppHostPublisher.PublishAsync(directory, "kubernetes", directory.Sub("k8s"), "--image-tag", "2.1.0");

        var images = KubernetesManifests.Load(kubernetes.Files).Pods().SelectMany(p => p.Pod.Containers.Concat(p.Pod.InitContainers ?? [])).Select(c => c.Image).ToHashSet();
        Assert.Equal(new[] { "peervault-democlient:2.1.0", "peervault-node:2.1.0", AppHostPublisher.DashboardImage }.Order(StringComparer.Ordinal), images.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("docker-compose")]
    [InlineData("kubernetes")]
    public async Task A_moving_image_tag_is_refused_with_the_reason_and_nothing_is_written(string publisher)
    {
        using var directory = new TempDirectory();

        var run = await AppHostPublisher.RunAsync(directory, publisher, directory.Sub("out"), "--image-tag", "latest");

        Assert.Contains(run.Lines, l => l.Contains("--image-tag must be a pinned container image tag", StringComparison.Ordinal));
        Assert.False(Directory.Exists(directory.Sub("out")), "a refused publish leaves no folder behind");
        Assert.True(run.ExitCode != 0, "a failed publish must exit non-zero, or scripts take it for a success (AppHost.cs must return Environment.ExitCode when --exit-after set none)");
    }

    [Fact]
    public async Task No_publisher_writes_a_secret_the_apphost_was_given()
    {
        using var directory = new TempDirectory();

        foreach (var (publisher, output) in new[] { ("manifest", "out/manifest.json"), ("docker-compose", "compose"), ("kubernetes", "k8s") })
        {
            var run = await AppHostPublisher.PublishAsync(directory, publisher, directory.Sub(output));
            AppHostPublisher.AssertNoSecretIn(run);
        }
    }
}
