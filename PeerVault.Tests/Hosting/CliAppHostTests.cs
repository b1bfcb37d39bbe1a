using System.Text.Json;
using PeerVault.Tests.AppHost;
using PeerVault.Tests.Cli;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Hosting;

/// <summary>
/// The CLI against the cluster <c>dotnet run --project PeerVault.AppHost</c> starts: the AppHost
/// writes <c>cli.json</c> (every node's URL and the admin key, owner-only) in its data root, and
/// the CLI needs nothing else.
/// </summary>
[Collection(nameof(AppHostSerial))]
[Trait("Category", "Distributed")]
public sealed class CliAppHostTests
{
    [Fact]
    public async Task The_cli_reaches_the_apphosts_cluster_through_the_connection_file_it_writes()
    {
        using var scope = new AppHostScope();
        await using var apphost = ServiceProcess.Start("apphost", "PeerVault.AppHost", AppHostProcessTests.LaunchEnvironment(), scope.DataRoot, scope.Arguments);
        var file = Path.Combine(scope.DataRoot, "cli.json");
        await Poll.UntilAsync(() => File.Exists(file) && Endpoints(file) == 3, "the AppHost wrote cli.json with three endpoints", TimeSpan.FromMinutes(2));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }

        var environment = new Dictionary<string, string?> { ["PEERVAULT_CONNECTION_FILE"] = file };
        CliResult? doctor = null;
        await Poll.UntilAsync(
            async () => (doctor = await CliProcess.RunAsync(["doctor", "--json"], environment, workingDirectory: scope.DataRoot)).ExitCode == 0,
            "peervault doctor finds the AppHost's three nodes healthy",
            TimeSpan.FromMinutes(2));
        var findings = doctor!.Json.GetProperty("findings").EnumerateArray().ToList();
        Assert.Equal(3, findings.Count(f => f.GetProperty("check").GetString() == "auth" && f.GetProperty("status").GetString() == "ok"));

        var put = await CliProcess.RunAsync(["put", "cli/apphost.txt", "-", "--json"], environment, new MemoryStream("through the AppHost"u8.ToArray()), scope.DataRoot);
        Assert.Equal(0, put.ExitCode);
        var get = await CliProcess.RunAsync(["get", "cli/apphost.txt"], environment, workingDirectory: scope.DataRoot);
        Assert.Equal("through the AppHost", get.Stdout);
    }

    private static int Endpoints(string file)
    {
        try
        {
            using var json = JsonDocument.Parse(File.ReadAllText(file));
            return json.RootElement.GetProperty("endpoints").GetArrayLength();
        }
        catch (Exception ex) when (ex is IOException or JsonException)
        {
            return 0;
        }
    }
}
