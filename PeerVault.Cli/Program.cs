// The peervault command-line client: see README "Command-line client" and `peervault --help`.
using System.CommandLine.Invocation;
using PeerVault.Cli;

var parse = RootCommandFactory.Create().Parse(args);
var exit = await parse.InvokeAsync();

// System.CommandLine answers a command line it cannot parse with 1; scripts tell usage errors by 2.
// (--help with a required argument missing still parses with errors, but is not a usage error.)
return parse.Action is ParseErrorAction ? ExitCodes.BadUsage : exit;
