using PeerVault.Node.Net.Rpc;
using PeerVault.Node.Storage;

namespace PeerVault.Node.Cluster;

/// <summary>One mapping from storage failures to the short codes peers exchange.</summary>
public static class ErrorCodes
{
    public static string Of(Exception exception) => exception switch
    {
        KeyMismatchException => PeerError.KeyMismatch,
        ObjectIntegrityException => PeerError.Integrity,
        IOException io when StorageFaults.IsDiskFull(io) => PeerError.DiskFull,
        _ => PeerError.Io,
    };
}
