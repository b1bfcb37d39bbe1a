using Microsoft.AspNetCore.Connections;
using PeerVault.Node.Net;
using PeerVault.Node.Storage;

namespace PeerVault.Node.Hosting;

/// <summary>
/// Turns the failures an operator causes and can fix at start (a port taken, a data directory held
/// by another node) into one line that names the setting, instead of a stack trace.
/// </summary>
public static class StartupFailure
{
    /// <summary>Process exit code for a node that could not start for one of these reasons.</summary>
    public const int ExitCode = 3;

    /// <summary>Prints the one line and returns the exit code.</summary>
    public static async Task<int> RefuseAsync(string reason)
    {
        await Console.Error.WriteLineAsync($"peervault-node: cannot start: {reason}");
        return ExitCode;
    }

    /// <summary>The line to print, or null when the failure is not one of the expected ones.</summary>
    public static string? Describe(Exception failure) => failure switch
    {
        PortInUseException or DataDirectoryInUseException => failure.Message,
        IOException { InnerException: AddressInUseException } =>
            $"{failure.Message.TrimEnd('.')}: the HTTP API's port belongs to another process; stop it, or set ASPNETCORE_URLS to a free port.",
        _ => null,
    };
}
