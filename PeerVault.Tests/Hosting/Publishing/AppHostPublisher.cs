using System.Reflection;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Hosting.Publishing;

/// <summary>What one <c>--publisher</c> run of the AppHost left behind.</summary>
public sealed record PublishRun(int ExitCode, IReadOnlyList<string> Lines, string OutputPath)
{
    /// <summary>Every file the run wrote (a folder's files, or the one manifest file).</summary>
    public IReadOnlyList<string> Files => File.Exists(OutputPath)
        ? [OutputPath]
        : Directory.Exists(OutputPath) ? Directory.GetFiles(OutputPath, "*", SearchOption.AllDirectories) : [];

    public string Read(string file) => File.ReadAllText(Path.Combine(OutputPath, file));
}

/// <summary>
/// Runs the built AppHost as a user publishes with it (<c>dotnet PeerVault.AppHost.dll --publisher X
/// --output-path DIR</c>), with real-looking secrets in its configuration so that the tests can
/// prove no publisher writes a parameter's value.
/// </summary>
public static partial class AppHostPublisher
{
    /// <summary>A cluster key the AppHost could read (<c>Parameters:cluster-key</c>) and must never write.</summary>
    public static string ClusterKey { get; } = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    public static string AuthToken { get; } = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20));

    public static string ApiKey { get; } = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20));

    /// <summary>The dashboard image pinned to the Aspire the AppHost is built with: 13.6 for Aspire.Hosting 13.6.x.</summary>
    public static string DashboardImage
    {
        get
        {
            var version = Version.Parse(typeof(Aspire.Hosting.DistributedApplication).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion.Split('+', '-')[0]);
            return $"mcr.microsoft.com/dotnet/aspire-dashboard:{version.Major}.{version.Minor}";
        }
    }

    public static async Task<PublishRun> RunAsync(TempDirectory directory, string publisher, string output, params string[] arguments)
    {
        var environment = new Dictionary<string, string?>
        {
            ["Parameters__cluster-key"] = ClusterKey,
            ["Parameters__auth-token"] = AuthToken,
            ["Parameters__api-key"] = ApiKey,
        };
        await using var apphost = ServiceProcess.Start("apphost", "PeerVault.AppHost", environment, directory.Path, ["--publisher", publisher, "--output-path", output, .. arguments]);
        var exitCode = await apphost.WaitForExitAsync(TimeSpan.FromMinutes(1));
        return new PublishRun(exitCode, [.. apphost.Lines], output);
    }

    /// <summary>Publishes and insists it worked, showing the AppHost's output when it did not.</summary>
    public static async Task<PublishRun> PublishAsync(TempDirectory directory, string publisher, string output, params string[] arguments)
    {
        var run = await RunAsync(directory, publisher, output, arguments);
        Assert.True(run.ExitCode == 0, $"--publisher {publisher} exited with {run.ExitCode}:\n{string.Join('\n', run.Lines.TakeLast(40))}");
        Assert.NotEmpty(run.Files);
        return run;
    }

    /// <summary>Neither secret the AppHost was given, nor anything shaped like a cluster key, is in any file the run wrote.</summary>
    public static void AssertNoSecretIn(PublishRun run)
    {
        foreach (var file in run.Files)
        {
            var text = File.ReadAllText(file);
            Assert.DoesNotContain(ClusterKey, text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(AuthToken, text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(ApiKey, text, StringComparison.OrdinalIgnoreCase);
            Assert.False(HexKey().IsMatch(text), $"{file} holds a 64-hex-character string: {HexKey().Match(text).Value}");
        }
    }

    /// <summary>Anything that looks like a real cluster key.</summary>
    [GeneratedRegex("[0-9a-fA-F]{64}")]
    private static partial Regex HexKey();
}
