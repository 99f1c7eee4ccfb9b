using System.Net;
using System.Net.Sockets;
using System.Text;
using Keel.Tests.Infrastructure;
using Keel.Webhooks;

namespace Keel.Tests.Webhooks;

public sealed class WebhookHttpTests
{
    static HttpClient Client(params string[] allowed) =>
        new(WebhookHttp.CreateHandler(new WebhookNetworkPolicy(allowHttp: true, [.. allowed.Select(IPNetwork.Parse)])));

    [Fact]
    public async Task Send_HostNameResolvingToLoopback_RefusedBeforeConnecting()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        using var client = Client();

        var e = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(new Uri($"http://localhost:{receiver.Port}/")));

        Assert.True(WebhookHttp.IsDestinationForbidden(e));
        var forbidden = Assert.IsType<DestinationForbiddenException>(e.InnerException);
        Assert.Equal("webhooks.destination_forbidden", forbidden.Code);
        Assert.Equal("localhost", forbidden.Host);
        Assert.Contains(IPAddress.Loopback, forbidden.RefusedAddresses);
        Assert.Equal("Webhook host localhost resolves only to addresses webhooks may not reach (loopback).", forbidden.Message);
        Assert.Empty(receiver.Requests);
    }

    [Fact]
    public void DestinationForbidden_Message_NamesTheKindsNeverTheAddresses()
    {
        var forbidden = new DestinationForbiddenException("db.internal.example",
            [IPAddress.Parse("10.0.0.5"), IPAddress.Parse("192.168.1.1"), IPAddress.Parse("fd00::7"), IPAddress.Parse("::ffff:127.0.0.1")]);

        Assert.Equal("Webhook host db.internal.example resolves only to addresses webhooks may not reach "
            + "(private; unique local; loopback, IPv4-mapped).", forbidden.Message);
        Assert.DoesNotMatch(IPLiteral.Pattern(), forbidden.Message);
    }

    [Fact]
    public async Task Send_HostNameRefusingConnections_ErrorNamesNoAddress()
    {
        var closedPort = LoopbackPorts.Unused();
        using var client = Client("127.0.0.0/8");

        var e = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(new Uri($"http://localhost:{closedPort}/")));

        var socket = Assert.IsType<SocketException>(e.InnerException);
        Assert.Equal(SocketError.ConnectionRefused, socket.SocketErrorCode);
        Assert.DoesNotMatch(IPLiteral.Pattern(), socket.Message);
    }

    [Fact]
    public async Task WatchOpenedNetworks_EveryRequestOverAnOpenedConnection_Reached()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        using var handler = WebhookHttp.CreateHandler(new WebhookNetworkPolicy(allowHttp: true, [IPNetwork.Parse("127.0.0.0/8")]));
        var connects = 0;
        var connect = handler.ConnectCallback!;
        handler.ConnectCallback = (context, ct) =>
        {
            Interlocked.Increment(ref connects);
            return connect(context, ct);
        };
        using var client = new HttpClient(handler);

        // Each in its own flow, as the dispatcher's attempts are; the second reuses the first's pooled connection.
        Assert.True(await ReachedAsync(client, receiver.BaseUri));
        Assert.True(await ReachedAsync(client, receiver.BaseUri));
        Assert.Equal(1, connects);
        Assert.Equal(2, receiver.Requests.Count);
    }

    [Fact]
    public async Task WatchOpenedNetworks_RequestRefusedBeforeConnecting_NotReached()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        using var client = Client();
        var watch = WebhookHttp.WatchOpenedNetworks();

        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(receiver.BaseUri));

        Assert.False(watch.Reached);
    }

    static async Task<bool> ReachedAsync(HttpClient client, Uri uri)
    {
        var watch = WebhookHttp.WatchOpenedNetworks();
        using var response = await client.GetAsync(uri);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return watch.Reached;
    }

    [Fact]
    public async Task Send_HostNameResolvingToLoopback_DeliveredWhenLoopbackAllowed()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        receiver.Respond = _ => new ReceiverResponse(201, new Dictionary<string, string> { ["X-Receiver"] = "seen" }, "thanks");
        using var client = Client("127.0.0.0/8");
        using var content = new StringContent("{\"n\":1}", Encoding.UTF8, "application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"http://localhost:{receiver.Port}/hooks?team=7")) { Content = content };
        request.Headers.Add("webhook-id", "msg_1");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("seen", Assert.Single(response.Headers.GetValues("X-Receiver")));
        Assert.Equal("thanks", await response.Content.ReadAsStringAsync());
        var received = Assert.Single(receiver.Requests);
        Assert.Equal("POST", received.Method);
        Assert.Equal("/hooks?team=7", received.PathAndQuery);
        Assert.Equal("msg_1", received.Headers["Webhook-Id"]);
        Assert.Equal("{\"n\":1}", received.BodyText);
    }

    [Fact]
    public async Task Send_RedirectToForbiddenAddress_ReturnsTheRedirect()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        receiver.Respond = _ => new ReceiverResponse(302, new Dictionary<string, string> { ["Location"] = "http://10.0.0.1/x" });
        using var client = Client("127.0.0.0/8");

        using var response = await client.GetAsync(receiver.BaseUri);

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.Equal(new Uri("http://10.0.0.1/x"), response.Headers.Location);
        Assert.Single(receiver.Requests);
    }

    [Fact]
    public async Task Send_RedirectToAllowedAddress_NotFollowed()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var second = new Uri(receiver.BaseUri, "second");
        receiver.Respond = r => r.PathAndQuery == "/second"
            ? new ReceiverResponse(200)
            : new ReceiverResponse(302, new Dictionary<string, string> { ["Location"] = second.ToString() });
        using var client = Client("127.0.0.0/8");

        using var response = await client.GetAsync(receiver.BaseUri);

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.Equal("/", Assert.Single(receiver.Requests).PathAndQuery);
    }

    [Fact]
    public async Task Send_IPv4MappedLoopbackLiteral_RefusedWhenNotAllowed()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        using var client = Client();

        var e = await Assert.ThrowsAsync<HttpRequestException>(
            () => client.GetAsync(new Uri($"http://[::ffff:127.0.0.1]:{receiver.Port}/")));

        Assert.True(WebhookHttp.IsDestinationForbidden(e));
        Assert.Empty(receiver.Requests);
    }

    [Fact]
    public async Task Send_IPv4MappedLoopbackLiteral_DeliveredWhenAllowed()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        using var client = Client("127.0.0.0/8");

        using var response = await client.GetAsync(new Uri($"http://[::ffff:127.0.0.1]:{receiver.Port}/mapped"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("/mapped", Assert.Single(receiver.Requests).PathAndQuery);
    }

    [Fact]
    public async Task Send_AllowedAddressRefusingConnections_NotDestinationForbidden()
    {
        var closedPort = LoopbackPorts.Unused();
        using var client = Client("127.0.0.0/8");

        var e = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(new Uri($"http://127.0.0.1:{closedPort}/")));

        Assert.False(WebhookHttp.IsDestinationForbidden(e));
        Assert.IsType<SocketException>(e.InnerException);
    }

    [Fact]
    public void IsDestinationForbidden_WrappedAnywhereInTheChain_Found()
    {
        var forbidden = new DestinationForbiddenException("internal.example", [IPAddress.Parse("10.0.0.1")]);
        Assert.True(WebhookHttp.IsDestinationForbidden(forbidden));
        Assert.True(WebhookHttp.IsDestinationForbidden(
            new HttpRequestException("outer", new InvalidOperationException("middle", forbidden))));
        Assert.False(WebhookHttp.IsDestinationForbidden(new HttpRequestException("outer", new IOException("reset"))));
    }

    [Fact]
    public void CreateHandler_NeverFollowsRedirectsNorUsesProxiesOrCookies()
    {
        using var handler = WebhookHttp.CreateHandler(new WebhookNetworkPolicy(false, []));
        Assert.False(handler.AllowAutoRedirect);
        Assert.False(handler.UseProxy);
        Assert.False(handler.UseCookies);
        Assert.Equal(DecompressionMethods.None, handler.AutomaticDecompression);
        Assert.NotNull(handler.ConnectCallback);
        Assert.InRange(handler.PooledConnectionLifetime, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10));
    }
}
