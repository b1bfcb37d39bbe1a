using System.CommandLine;
using PeerVault.Cli.Connection;
using PeerVault.Cli.Output;
using PeerVault.Client;

namespace PeerVault.Cli.Commands;

/// <summary>The options every command takes (recursive on the root), and the run wrapper that turns expected failures into exit codes.</summary>
internal sealed class GlobalOptions
{
    public Option<string> Endpoint { get; } = new("--endpoint", "-e")
    {
        Description = $"Node API URL(s), comma-separated; default ${ConnectionSettings.EndpointVariable}, else the local cluster's connection file",
        Recursive = true,
        HelpName = "url[,url…]",
    };

    public Option<string> ApiKey { get; } = new("--api-key", "-k")
    {
        Description = $"API key sent as 'Authorization: Bearer'; default ${ConnectionSettings.ApiKeyVariable}, else the connection file",
        Recursive = true,
        HelpName = "key",
    };

    public Option<string> ConnectionFile { get; } = new("--connection-file")
    {
        Description = $"JSON file with endpoints and apiKey (default ${ConnectionSettings.ConnectionFileVariable}, else {Connection.ConnectionFile.RelativePath} in this or a parent folder, which the AppHost writes)",
        Recursive = true,
        HelpName = "path",
    };

    public Option<bool> Json { get; } = new("--json")
    {
        Description = "Machine-readable output: one JSON document on stdout; errors as {\"error\":{…}} on stderr",
        Recursive = true,
    };

    public void AddTo(RootCommand root)
    {
        root.Options.Add(Endpoint);
        root.Options.Add(ApiKey);
        root.Options.Add(ConnectionFile);
        root.Options.Add(Json);
    }

    /// <summary>Runs a command's body with its output and a client; maps expected failures to exit codes and one line.</summary>
    public async Task<int> RunAsync(Invocation invocation, Func<CliOutput, CliConnection, Task<int>> body)
    {
        var (parse, cancellationToken) = invocation;
        var output = new CliOutput(parse.GetValue(Json));
        try
        {
            var settings = ConnectionSettings.Resolve(parse.GetValue(Endpoint), parse.GetValue(ApiKey), parse.GetValue(ConnectionFile));
            using var connection = new CliConnection(settings);
            try
            {
                return await body(output, connection);
            }
            catch (PeerVaultException ex)
            {
                // A call the command did not wrap with its own description.
                throw connection.ToCliException(ex, parse.CommandResult.Command.Name);
            }
        }
        catch (CliException ex)
        {
            output.Fail(ex);
            return ex.ExitCode;
        }
        catch (IOException ex) when (!cancellationToken.IsCancellationRequested)
        {
            output.Fail(new CliException(ExitCodes.Failure, CliConnection.Describe(ex)));
            return ExitCodes.Failure;
        }
        catch (UnauthorizedAccessException ex)
        {
            output.Fail(new CliException(ExitCodes.Failure, ex.Message));
            return ExitCodes.Failure;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            output.Fail(new CliException(ExitCodes.Failure, "Cancelled."));
            return 130;
        }
    }
}

/// <summary>What System.CommandLine hands a command's action.</summary>
internal readonly record struct Invocation(ParseResult Parse, CancellationToken CancellationToken);
