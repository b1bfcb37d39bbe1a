using System.Collections.Concurrent;
using System.Net;

namespace PeerVault.Node.Net;

/// <summary>
/// Counts open inbound peer connections, per remote address and in total, from accept until the
/// connection closes, so that one address (or everyone together) cannot hold more sockets and
/// handshakes than the limits allow. A connection over a limit is closed before a byte is read.
/// </summary>
public sealed class ConnectionLimits(NetOptions options)
{
    private readonly ConcurrentDictionary<IPAddress, int> _perAddress = new();
    private int _total;

    public int Open => Volatile.Read(ref _total);

    /// <summary>Admits a connection from <paramref name="address"/>, or returns null (and the reason) when a limit is reached.</summary>
    public Lease? TryAdmit(IPAddress address, out string? refusal)
    {
        ArgumentNullException.ThrowIfNull(address);
        address = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        if (Interlocked.Increment(ref _total) > options.MaxConnections)
        {
            Interlocked.Decrement(ref _total);
            refusal = $"{options.MaxConnections} inbound peer connections are open (PEERVAULT_MAX_CONNECTIONS)";
            return null;
        }

        var count = _perAddress.AddOrUpdate(address, 1, (_, n) => n + 1);
        if (count > options.MaxConnectionsPerAddress)
        {
            Release(address);
            refusal = $"{options.MaxConnectionsPerAddress} peer connections from {address} are open (PEERVAULT_MAX_CONNECTIONS_PER_ADDRESS)";
            return null;
        }

        refusal = null;
        return new Lease(this, address);
    }

    private void Release(IPAddress address)
    {
        Interlocked.Decrement(ref _total);
        while (_perAddress.TryGetValue(address, out var n))
        {
            if (n <= 1 ? _perAddress.TryRemove(new KeyValuePair<IPAddress, int>(address, n)) : _perAddress.TryUpdate(address, n - 1, n))
            {
                return;
            }
        }
    }

    /// <summary>One admitted connection; disposing it (once) gives its place back.</summary>
    public sealed class Lease(ConnectionLimits limits, IPAddress address) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                limits.Release(address);
            }
        }
    }
}
