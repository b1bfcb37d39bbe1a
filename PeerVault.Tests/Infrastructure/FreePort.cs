using System.Net;
using System.Net.Sockets;

namespace PeerVault.Tests.Infrastructure;

/// <summary>A loopback TCP port nobody listens on right now, for a process that must be told its port in advance.</summary>
public static class FreePort
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
