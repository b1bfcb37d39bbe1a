using System.Diagnostics;

namespace PeerVault.Tests.Hosting.Publishing;

/// <summary>
/// Debian's <c>docker-compose</c> (compose v1), which validates a compose file offline with
/// <c>config</c>. A developer without it gets a skip; CI (<c>CI=true</c>), which installs it, fails.
/// </summary>
public static class DockerComposeCli
{
    public static string Require()
    {
        var found = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, "docker-compose"))
            .FirstOrDefault(File.Exists);
        if (found is not null)
        {
            return found;
        }

        const string Missing = "docker-compose is not installed (apt-get install docker-compose); the generated compose file was not checked by it.";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail(Missing);
        }

        Assert.Skip(Missing);
        return string.Empty;
    }

    /// <summary>
    /// <c>docker-compose config</c> in <paramref name="directory"/> (so it reads the <c>.env</c> there),
    /// with only <paramref name="variables"/> set on top of an environment cleared of them.
    /// </summary>
    public static async Task<(int ExitCode, string Output)> ConfigAsync(string directory, IEnumerable<string> names, IReadOnlyDictionary<string, string> variables)
    {
        var info = new ProcessStartInfo(Require(), "config")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var name in names)
        {
            info.Environment.Remove(name);
        }

        foreach (var (name, value) in variables)
        {
            info.Environment[name] = value;
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return (process.ExitCode, await output + await error);
    }
}
