using Microsoft.AspNetCore.Connections;
using PeerVault.Node.Storage;

namespace PeerVault.Node.Api;

/// <summary>
/// Which failures of a write are this node's storage's, for both doors (the native API and S3): not
/// the client leaving or sending a broken body, and not a peer (the coordinator counts replica
/// failures itself), so an I/O failure that reaches an endpoint is the local disk's. The storage
/// probe runs at once (the node turns unready if the disk is gone) and the client is told to retry
/// with a 503, even when the probe could put a vanished directory back: the write went with the old one.
/// </summary>
internal static class StorageFaultAnswer
{
    public static bool IsLocalStorageFault(Exception exception, bool clientGone, StorageHealth storage)
    {
        ArgumentNullException.ThrowIfNull(storage);
        if (exception is StorageUnavailableException)
        {
            return true;
        }

        if (clientGone || exception is not (IOException or UnauthorizedAccessException) || exception is BadHttpRequestException or ConnectionResetException)
        {
            return false;
        }

        storage.ReportFault(exception);
        return true;
    }
}
