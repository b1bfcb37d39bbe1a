using System.Net;
using System.Net.Sockets;

namespace Aspire.Hosting.Orchestration;

/// <summary>
/// Free loopback ports for endpoints without a fixed port. The OS picks each one; ports are
/// released just before the process binds them, so all of a run's ports are chosen up front
/// and never handed out twice in one run.
/// </summary>
internal static class PortAllocator
{
    public static int[] Allocate(int count)
    {
        var listeners = new List<TcpListener>();
        try
        {
            for (var i = 0; i < count; i++)
            {
                var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                listeners.Add(listener);
            }

            return [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        }
        finally
        {
            foreach (var listener in listeners)
            {
                listener.Stop();
            }
        }
    }
}
