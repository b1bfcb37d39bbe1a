using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using PeerVault.Cli.Commands;

namespace PeerVault.Cli;

/// <summary>The <c>peervault</c> command tree: global options, every command, and help that ends with the exit codes.</summary>
internal static class RootCommandFactory
{
    public static RootCommand Create()
    {
        var global = new GlobalOptions();
        var root = new RootCommand("peervault: store, read and inspect objects in a PeerVault cluster over its HTTP API.")
        {
            PutCommand.Create(global),
            GetCommand.Create(global),
            ListCommand.Create(global),
            RemoveCommand.Create(global),
            StatCommand.Create(global),
            ClusterCommand.Create(global),
            DoctorCommand.Create(global),
            BenchCommand.Create(global),
            CompletionCommand.Create(),
        };
        global.AddTo(root);

        // Help on every command (the help option is recursive) ends with what the exit codes mean.
        foreach (var option in root.Options)
        {
            if (option is HelpOption { Action: HelpAction help } helpOption)
            {
                helpOption.Action = new HelpWithExitCodes(help);
            }
        }

        return root;
    }

    private sealed class HelpWithExitCodes(HelpAction inner) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            var result = inner.Invoke(parseResult);
            parseResult.InvocationConfiguration.Output.WriteLine(ExitCodes.Help);
            return result;
        }
    }
}
