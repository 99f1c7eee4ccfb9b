using System.Net;
using System.Net.Sockets;

namespace Keel.Tests.Infrastructure;

/// <summary>Loopback ports for servers a test starts itself and for connections that must be refused.</summary>
public static class LoopbackPorts
{
    /// <summary>A port nothing listens on, just released by the system: free to bind, refused until something does.</summary>
    public static int Unused()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
