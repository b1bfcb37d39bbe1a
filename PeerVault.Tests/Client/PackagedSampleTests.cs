using System.Diagnostics;
using PeerVault.Tests.AppHost;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Client;

/// <summary>
/// The packages as a user gets them: PeerVault.Contracts, PeerVault.Client and PeerVault.Hosting
/// packed into a local folder feed, a new AppHost and a new web service restored from it (and the
/// usual package source), run with <c>--exit-after sample</c>: the service stores an object through
/// <c>AddPeerVaultClient</c> on the cluster the AppHost hands it and reads it back.
/// </summary>
[Collection(nameof(AppHostSerial))]
[Trait("Category", "Distributed")]
public sealed class PackagedSampleTests(ITestOutputHelper log)
{
    [Fact]
    public async Task A_new_apphost_and_service_from_the_local_feed_store_and_read_an_object_through_the_client_integration()
    {
        using var directory = new TempDirectory("peervault-sample");
        // PEERVAULT_SAMPLE_DIR keeps the feed and the sample there, to run it by hand afterwards.
        var root = Environment.GetEnvironmentVariable("PEERVAULT_SAMPLE_DIR") is { Length: > 0 } kept ? Directory.CreateDirectory(kept).FullName : directory.Path;
        var feed = Path.Combine(root, "feed");
        // A version of this run's own, so the packages folder never serves an earlier run's bytes.
        var version = $"0.0.0-sample.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";
        var clock = Stopwatch.StartNew();
        foreach (var project in new[] { "PeerVault.Contracts", "PeerVault.Client", "PeerVault.Hosting" })
        {
            await RunAsync("pack", ["pack", Path.Combine(SolutionPaths.Root, project, $"{project}.csproj"), "-c", SolutionPaths.Configuration, "--no-build", "-o", feed, $"-p:Version={version}"], directory.Path, TimeSpan.FromMinutes(3));
        }

        Assert.True(File.Exists(Path.Combine(feed, $"PeerVault.Client.{version}.nupkg")));
        log.WriteLine($"packed in {clock.Elapsed.TotalSeconds:0} s");

        var sample = Path.Combine(root, "sample");
        using var secrets = new SecretsCleanup($"peervault-sample-{version}");
        PackagedSample.Write(sample, feed, version, Path.Combine(SolutionPaths.Root, "PeerVault.Node", "PeerVault.Node.csproj"));
        await RunAsync("build", ["build", Path.Combine(sample, "SampleAppHost"), "-c", SolutionPaths.Configuration], sample, TimeSpan.FromMinutes(8));
        log.WriteLine($"built in {clock.Elapsed.TotalSeconds:0} s");

        var environment = AppHostProcessTests.LaunchEnvironment();
        environment["ASPIRE_VERSION_CHECK_DISABLED"] = "true";
        await using var apphost = ServiceProcess.StartDotnet(
            "sample-apphost",
            ["run", "--no-build", "-c", SolutionPaths.Configuration, "--project", Path.Combine(sample, "SampleAppHost"), "--", "--exit-after", "sample", "--SAMPLE_SELF_TEST=1", $"--PeerVault:DataRoot={directory.Sub("data")}"],
            environment,
            sample);
        var exit = await apphost.WaitForExitAsync(TimeSpan.FromMinutes(4));
        log.WriteLine($"ran in {clock.Elapsed.TotalSeconds:0} s");

        Assert.True(exit == 0, string.Join('\n', apphost.Lines));
        Assert.Contains(apphost.Lines, l => l.StartsWith("sample | round trip ok: 300000 bytes through PeerVault.Client", StringComparison.Ordinal));
        Assert.Contains(apphost.Lines, l => l.StartsWith("sample | PUT 200 ", StringComparison.Ordinal) && l.Contains("\"replicas\"", StringComparison.Ordinal));
    }

    /// <summary>The sample AppHost keeps its generated secrets in user secrets under its own id; they go with the test.</summary>
    private sealed class SecretsCleanup(string id) : IDisposable
    {
        public void Dispose()
        {
            var folder = Path.GetDirectoryName(Microsoft.Extensions.Configuration.UserSecrets.PathHelper.GetSecretsPathFromSecretsId(id))!;
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    private async Task RunAsync(string name, string[] arguments, string workingDirectory, TimeSpan timeout)
    {
        await using var process = ServiceProcess.StartDotnet(name, arguments, new Dictionary<string, string?> { ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1" }, workingDirectory);
        var exit = await process.WaitForExitAsync(timeout);
        Assert.True(exit == 0, $"dotnet {string.Join(' ', arguments)} exited {exit}:\n{string.Join('\n', process.Lines.TakeLast(60))}");
        foreach (var line in process.Lines.Where(l => l.Contains("warning", StringComparison.OrdinalIgnoreCase)).Take(20))
        {
            log.WriteLine(line);
        }
    }
}
