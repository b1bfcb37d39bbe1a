namespace PeerVault.Client;

/// <summary>A node's readiness (<c>/health</c>: its data directory is there and writable) and its clock (the answer's <c>Date</c>).</summary>
public sealed record NodeHealth(Uri Endpoint, bool Ready, DateTimeOffset? Date);
