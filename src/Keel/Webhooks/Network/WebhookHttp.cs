using System.Net;
using System.Net.Sockets;

namespace Keel.Webhooks;

/// <summary>
/// The outbound HTTP stack for deliveries, with <see cref="WebhookNetworkPolicy"/> enforced on the
/// address of every connection it opens. Requests must stay at HTTP/1.1 or HTTP/2 (the default version
/// policy never upgrades): HTTP/3 connects over QUIC without passing through the connect callback.
/// </summary>
internal static class WebhookHttp
{
    public static SocketsHttpHandler CreateHandler(WebhookNetworkPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return new SocketsHttpHandler
        {
            // A Location header names a destination nobody checked; the 3xx is the attempt's answer.
            AllowAutoRedirect = false,
            // One handler serves every tenant: a cookie one endpoint sets must not reach another.
            UseCookies = false,
            // A proxy would resolve and connect on Keel's behalf, after the callback judged only the proxy.
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
            // A pooled connection keeps the address it was opened to; renewing it lets DNS changes show.
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(10),
            ConnectCallback = (context, ct) => ConnectAsync(policy, context.DnsEndPoint, ct),
        };
    }

    /// <summary>Whether a failed request was refused by the policy (HttpClient wraps the exception).</summary>
    public static bool IsDestinationForbidden(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is DestinationForbiddenException)
            {
                return true;
            }
        }
        return false;
    }

    // Resolves once and connects to an address from that same answer, so what was judged is what is reached.
    static async ValueTask<Stream> ConnectAsync(WebhookNetworkPolicy policy, DnsEndPoint endpoint, CancellationToken ct)
    {
        var addresses = IPAddress.TryParse(endpoint.Host, out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(endpoint.Host, ct);
        if (addresses.Length == 0)
        {
            throw new SocketException((int)SocketError.HostNotFound);
        }
        var allowed = Array.FindAll(addresses, policy.IsAllowed);
        if (allowed.Length == 0)
        {
            throw new DestinationForbiddenException(endpoint.Host, addresses);
        }
        for (var i = 0; ; i++)
        {
            // A mapped address is an IPv4 peer; an IPv6-only socket could not reach it.
            var address = allowed[i].IsIPv4MappedToIPv6 ? allowed[i].MapToIPv4() : allowed[i];
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(address, endpoint.Port, ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException) when (i < allowed.Length - 1)
            {
                socket.Dispose(); // try the next address; the last one's error is the one reported
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
    }
}
