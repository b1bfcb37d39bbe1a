using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.AppHost;

/// <summary>
/// Where one AppHost run under test keeps its state: a data folder for the nodes and a user-secrets
/// id of its own, so a developer's real AppHost secrets are never read or written. Both go on
/// dispose. The data folder's path also marks every process the run started (it is in each node's
/// environment), which is how tests find processes that outlived the AppHost.
/// </summary>
public sealed class AppHostScope : IDisposable
{
    private readonly TempDirectory _data = new("peervault-apphost");

    public string DataRoot => _data.Path;

    public string UserSecretsId { get; } = $"peervault-test-{Guid.NewGuid():N}";

    /// <summary>The AppHost arguments that point it at this scope.</summary>
    public string[] Arguments =>
    [
        $"--PeerVault:DataRoot={DataRoot}",
        $"--ASPIRE_USER_SECRETS_ID={UserSecretsId}",
        "--ASPIRE_VERSION_CHECK_DISABLED=true",
    ];

    /// <summary>Node processes (and their <c>dotnet run</c> parents) started for this scope that are still alive.</summary>
    public IReadOnlyList<int> LiveProcesses() => ProcessTable.WithEnvironmentValue(DataRoot);

    public void Dispose()
    {
        var secrets = Path.GetDirectoryName(Microsoft.Extensions.Configuration.UserSecrets.PathHelper.GetSecretsPathFromSecretsId(UserSecretsId))!;
        if (Directory.Exists(secrets))
        {
            Directory.Delete(secrets, recursive: true);
        }

        _data.Dispose();
    }
}
