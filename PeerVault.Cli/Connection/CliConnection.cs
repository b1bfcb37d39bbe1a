using System.Globalization;
using System.Text;
using PeerVault.Client;

namespace PeerVault.Cli.Connection;

/// <summary>
/// The cluster as the commands use it: a <see cref="PeerVaultClient"/> on the resolved endpoints
/// and key (failover and timeouts are the client's), and the translation of its errors into the
/// exit code and one line each one means, saying where a wrong endpoint or key came from.
/// </summary>
internal sealed class CliConnection : IDisposable
{
    public CliConnection(ConnectionSettings settings)
    {
        Settings = settings;
        var options = new PeerVaultClientOptions
        {
            ApiKey = settings.ApiKey,
            ResponseTimeout = ResponseTimeout,
            UserAgent = $"peervault-cli/{typeof(CliConnection).Assembly.GetName().Version?.ToString(3) ?? "0"}",
        };
        foreach (var endpoint in settings.Endpoints)
        {
            options.Endpoints.Add(endpoint);
        }

        Api = new PeerVaultClient(options);
    }

    /// <summary>How long a request without a body may wait for its answer (<c>PEERVAULT_TIMEOUT_SECONDS</c>, default 15).</summary>
    public static TimeSpan ResponseTimeout { get; } = TimeSpan.FromSeconds(
        double.TryParse(Environment.GetEnvironmentVariable("PEERVAULT_TIMEOUT_SECONDS"), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds > 0 ? seconds : 15);

    public ConnectionSettings Settings { get; }

    public PeerVaultClient Api { get; }

    public IReadOnlyList<Uri> Endpoints => Settings.Endpoints;

    /// <summary>Runs one API call; a failure becomes a <see cref="CliException"/> whose line starts with <paramref name="what"/>.</summary>
    public async Task<T> CallAsync<T>(string what, Func<PeerVaultClient, Task<T>> call)
    {
        try
        {
            return await call(Api);
        }
        catch (PeerVaultException ex)
        {
            throw ToCliException(ex, what);
        }
    }

    /// <summary>The exit code and one line a client error means.</summary>
    public CliException ToCliException(PeerVaultException error, string what)
    {
        if (error is PeerVaultUnreachableException unreachable)
        {
            return Unreachable(unreachable.Failures);
        }

        var status = error.Status;
        var code = error switch
        {
            PeerVaultRequestException => ExitCodes.BadUsage,
            PeerVaultUnauthorizedException => ExitCodes.Unauthorized,
            PeerVaultNotFoundException => ExitCodes.NotFound,
            PeerVaultIntegrityException or PeerVaultInsufficientStorageException => ExitCodes.Storage,
            PeerVaultUnavailableException => ExitCodes.Unavailable,
            _ => ExitCodes.Failure,
        };
        var hint = error switch
        {
            PeerVaultUnauthorizedException { Forbidden: false } => $" The key came from {Settings.ApiKeySource}.",
            PeerVaultUnauthorizedException => " Use a key with that scope (read, write or admin).",
            { Status: 500, TraceId: { } trace } => $" (trace id {trace})",
            _ => string.Empty,
        };
        var from = status >= 500 && error.Endpoint is { } endpoint ? $" [{endpoint.GetLeftPart(UriPartial.Authority)}]" : string.Empty;
        return new CliException(code, $"{what}: {error.Message}{hint}{from}", status, error.ProblemType);
    }

    public CliException Unreachable(IReadOnlyList<EndpointFailure> failures)
    {
        var message = new StringBuilder("Cannot reach PeerVault at ")
            .AppendJoin("; ", failures)
            .Append($". The endpoint came from {Settings.EndpointSource}");
        if (Settings.EndpointSource.EndsWith(".json", StringComparison.Ordinal))
        {
            message.Append(", which the AppHost rewrites on every start: is the cluster running (dotnet run --project PeerVault.AppHost)?");
        }
        else
        {
            message.Append("; is the node running and the address right?");
        }

        return new CliException(ExitCodes.Unreachable, message.ToString());
    }

    /// <summary>The root cause's message ("Connection refused (localhost:5001)"), not the wrappers'.</summary>
    public static string Describe(Exception ex)
    {
        var innermost = ex;
        while (innermost.InnerException is not null)
        {
            innermost = innermost.InnerException;
        }

        return innermost.Message;
    }

    public void Dispose() => Api.Dispose();
}
