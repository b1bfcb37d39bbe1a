namespace PeerVault.Client;

/// <summary>
/// A node's readiness (<c>/health</c>: its data directory is there and writable, and it has joined
/// its cluster), whether it reports itself <see cref="Degraded"/> (ready, but, say, a peer's clock is
/// off its own), and its clock (the answer's <c>Date</c>).
/// </summary>
public sealed record NodeHealth(Uri Endpoint, bool Ready, DateTimeOffset? Date, bool Degraded = false);
