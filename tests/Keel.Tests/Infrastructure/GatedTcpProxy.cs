using System.Net;
using System.Net.Sockets;

namespace Keel.Tests.Infrastructure;

/// <summary>
/// A loopback TCP proxy to a real server that accepts connections at once but passes no byte until
/// <see cref="Open"/>: a server that is slow to answer, for the moment between a node's start and its
/// first conversation with that server, without touching the server itself.
/// </summary>
public sealed class GatedTcpProxy : IAsyncDisposable
{
    readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
    readonly CancellationTokenSource _stop = new();
    readonly string _host;
    readonly int _port;
    readonly Task _accepting;

    /// <param name="target"><c>host:port</c> of the real server.</param>
    public GatedTcpProxy(string target)
    {
        var colon = target.LastIndexOf(':');
        _host = target[..colon];
        _port = int.Parse(target[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    /// <summary><c>127.0.0.1:port</c> to connect to instead of the server.</summary>
    public string Address => $"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    public void Open() => _open.TrySetResult();

    async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                _ = PipeAsync(await _listener.AcceptTcpClientAsync(_stop.Token));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    async Task PipeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                await _open.Task.WaitAsync(_stop.Token);
                using var server = new TcpClient();
                await server.ConnectAsync(_host, _port, _stop.Token);
                var (a, b) = (client.GetStream(), server.GetStream());
                await Task.WhenAny(a.CopyToAsync(b, _stop.Token), b.CopyToAsync(a, _stop.Token));
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or SocketException)
            {
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        await _accepting;
        _stop.Dispose();
    }
}
