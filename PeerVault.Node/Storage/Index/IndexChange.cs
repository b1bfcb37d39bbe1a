namespace PeerVault.Node.Storage.Index;

/// <summary>
/// What applying one entry did: the outcome, the entry the key held before (null if none), and the
/// blob the key no longer references (the caller deletes it if nothing else does).
/// </summary>
public readonly record struct IndexChange(ApplyOutcome Outcome, IndexEntry? Previous, BlobId? Released);
