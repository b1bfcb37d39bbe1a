using Microsoft.Extensions.Logging;

namespace PeerVault.Client.Diagnostics;

internal static partial class ClientLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "PeerVault {Operation}: {Endpoint} failed ({Reason}); trying {Next}")]
    public static partial void FailingOver(ILogger logger, string operation, string endpoint, string reason, string next);

    [LoggerMessage(Level = LogLevel.Warning, Message = "PeerVault {Operation}: {Endpoint} failed ({Reason}); the body cannot be sent again, so no other endpoint is tried")]
    public static partial void CannotReplay(ILogger logger, string operation, string endpoint, string reason);
}
