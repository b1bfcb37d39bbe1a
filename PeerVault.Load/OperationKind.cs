namespace PeerVault.Load;

internal enum OperationKind
{
    Put,
    Get,
    Delete,
}
