using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;

namespace Keel.Webhooks;

/// <summary>
/// The outbound HTTP stack for deliveries, with <see cref="WebhookNetworkPolicy"/> enforced on the
/// address of every connection it opens. Requests must stay at HTTP/1.1 (the default; the version policy
/// never upgrades): HTTP/3 connects over QUIC without passing through the connect callback, and HTTP/2
/// reads and writes on the connection's own loops, out of sight of <see cref="WatchOpenedNetworks"/>.
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

    // The watch of the attempt running in this async flow; see WatchOpenedNetworks.
    static readonly AsyncLocal<OpenedNetworkWatch?> Watch = new();

    /// <summary>
    /// Starts a watch, for the requests this async flow sends from here on, of whether one of them went to an
    /// address only <c>Webhooks:AllowedNetworks</c> opens. A pooled connection outlives the request it was
    /// opened for, so the connection marks the watch of whichever flow reads or writes through it: HTTP/1.1
    /// writes the request and reads its answer in the caller's flow.
    /// </summary>
    public static OpenedNetworkWatch WatchOpenedNetworks() => Watch.Value = new OpenedNetworkWatch();

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
    [SuppressMessage("Reliability", "CA2000", Justification = "The socket passes to the returned stream; every failure path disposes it.")]
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
                // Allowed yet forbidden: only the operator's range opened it.
                return ForbiddenAddresses.IsForbidden(address)
                    ? new OpenedNetworkStream(socket)
                    : new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException) when (i < allowed.Length - 1)
            {
                socket.Dispose(); // try the next address; the last one's error is the one reported
            }
            catch (SocketException e)
            {
                socket.Dispose();
                // Only the error, never the endpoint some socket messages append: the tenant reads it in its attempts.
                throw new SocketException((int)e.SocketErrorCode);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
    }

    /// <summary>A connection to an address only <c>Webhooks:AllowedNetworks</c> opens; marks the watch of the flow using it.</summary>
    sealed class OpenedNetworkStream(Socket socket) : NetworkStream(socket, ownsSocket: true)
    {
        // HttpClient and SslStream use the Memory and Span overloads; NetworkStream implements the array ones apart.
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Mark();
            return base.ReadAsync(buffer, cancellationToken);
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Mark();
            return base.WriteAsync(buffer, cancellationToken);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Mark();
            return base.ReadAsync(buffer, offset, count, cancellationToken);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Mark();
            return base.WriteAsync(buffer, offset, count, cancellationToken);
        }

        public override int Read(Span<byte> buffer)
        {
            Mark();
            return base.Read(buffer);
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            Mark();
            base.Write(buffer);
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            Mark();
            return base.Read(buffer, offset, count);
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
            Mark();
            base.Write(buffer, offset, count);
        }

        static void Mark()
        {
            if (Watch.Value is { } watch)
            {
                watch.Reached = true;
            }
        }
    }
}
