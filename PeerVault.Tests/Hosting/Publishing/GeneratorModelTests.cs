using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;
using PeerVault.Hosting.Publishing.Compose;
using PeerVault.Hosting.Publishing.Kubernetes;
using TempDirectory = PeerVault.Tests.Infrastructure.TempDirectory;

namespace PeerVault.Tests.Hosting.Publishing;

/// <summary>
/// The generators on an application model that is not PeerVault's, built in-process in publish
/// mode: nothing in them may assume PeerVault's resource names, and values that mix text and
/// parameters must survive each platform's own variable substitution.
/// </summary>
[Trait("Category", "Publishing")]
public sealed class GeneratorModelTests
{
    /// <summary>A container whose value mixes a literal '$' with a secret parameter, and a worker that references it.</summary>
    private static (DistributedApplication App, DistributedApplicationModel Model, DistributedApplicationExecutionContext Context) Build(string output)
    {
        var builder = DistributedApplication.CreateBuilder(new DistributedApplicationOptions { Args = ["--publisher", "manifest", "--output-path", output], DisableDashboard = true });
        var password = builder.AddParameter("db-password", secret: true);
        var web = builder.AddContainer("web", "nginx", "1.27.0")
            .WithHttpEndpoint(targetPort: 80, name: "http")
            .WithEnvironment("CONNECTION", ReferenceExpression.Create($"user=app;price=$5;password={password}"))
            .WithEnvironment("PASSWORD", password);
        builder.AddContainer("worker", "busybox", "1.36.1")
            .WithEnvironment("WEB_URL", web.GetEndpoint("http"));
        var app = builder.Build();
        return (app, app.Services.GetRequiredService<DistributedApplicationModel>(), app.Services.GetRequiredService<DistributedApplicationExecutionContext>());
    }

    [Fact]
    public async Task Kubernetes_splices_a_parameter_into_a_longer_value_from_a_variable_defined_before_it()
    {
        using var directory = new TempDirectory();
        var (app, model, context) = Build(directory.Sub("unused"));
        await using var _ = app;

        var files = await KubernetesGenerator.WriteAsync(model, context, directory.Path, TestContext.Current.CancellationToken);

        var manifests = KubernetesManifests.Load(files);
        var env = Assert.Single(manifests.Named<V1Deployment>("web").Spec.Template.Spec.Containers).Env;
        var names = env.Select(e => e.Name).ToList();
        Assert.Equal("user=app;price=$$5;password=$(PARAMETER_DB_PASSWORD)", env.Single(e => e.Name == "CONNECTION").Value);
        Assert.True(names.IndexOf("PARAMETER_DB_PASSWORD") < names.IndexOf("CONNECTION"), "the kubelet expands only variables defined earlier");
        Assert.Equal("db-password", env.Single(e => e.Name == "PARAMETER_DB_PASSWORD").ValueFrom.SecretKeyRef.Key);
        Assert.Equal("db-password", env.Single(e => e.Name == "PASSWORD").ValueFrom.SecretKeyRef.Key);
        Assert.Equal("${DB_PASSWORD}", manifests.OfType<V1Secret>().Single().StringData["db-password"]);

        var worker = Assert.Single(manifests.Named<V1Job>("worker").Spec.Template.Spec.Containers);
        Assert.Equal("http://web:80", worker.Env.Single(e => e.Name == "WEB_URL").Value);
        Assert.Equal("nginx:1.27.0", Assert.Single(manifests.Named<V1Deployment>("web").Spec.Template.Spec.Containers).Image);
        Assert.All(manifests.Pods(), p => Assert.Empty(RestrictedPodSecurity.Violations(p.Owner, p.Pod)));
    }

    [Fact]
    public async Task Compose_keeps_a_literal_dollar_and_requires_the_parameter_inside_a_longer_value()
    {
        using var directory = new TempDirectory();
        var (app, model, context) = Build(directory.Sub("unused"));
        await using var _ = app;

        await DockerComposeGenerator.WriteAsync(model, context, directory.Path, TestContext.Current.CancellationToken);

        var compose = PublishedSchemas.FromYaml(File.ReadAllText(Path.Combine(directory.Path, DockerComposeGenerator.ComposeFileName)));
        Assert.Empty(PublishedSchemas.Errors(PublishedSchemas.ComposeSpec, compose));
        Assert.Equal("user=app;price=$$5;password=${DB_PASSWORD:?set DB_PASSWORD in .env: choose a value}", compose["services"]!["web"]!["environment"]!["CONNECTION"]!.GetValue<string>());

        var (exitCode, output) = await DockerComposeCli.ConfigAsync(directory.Path, ["DB_PASSWORD"], new Dictionary<string, string> { ["DB_PASSWORD"] = "s3cret" });
        Assert.True(exitCode == 0, output);
        Assert.Contains("user=app;price=$$5;password=s3cret", output, StringComparison.Ordinal);
    }
}
