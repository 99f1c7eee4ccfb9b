using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace Keel.Bench;

/// <summary>
/// The storm's baseline: what one HttpClient on this machine can POST to the receivers, with nothing
/// else to do. Each request looks like a delivery from Keel (the same body size, the three
/// <c>webhook-*</c> headers, the same User-Agent) and goes out as Keel's would (a handler set up like
/// Keel's webhook handler, the answer read); request <c>i</c> goes to receiver <c>i mod receivers</c>.
/// The signature is computed once: signing is part of Keel's work, not of the ceiling for sending.
/// </summary>
public sealed class PlainSender : IDisposable
{
    readonly HttpClient _client;
    readonly IReadOnlyList<Uri> _receivers;
    readonly byte[] _body;
    readonly string _timestamp;
    readonly string _signature;

    /// <param name="receivers">The receivers' URLs.</param>
    /// <param name="body">A body the size of Keel's deliveries.</param>
    public PlainSender(IReadOnlyList<Uri> receivers, byte[] body)
    {
        if (receivers.Any(r => !r.IsLoopback))
        {
            throw new ArgumentException("load goes to loopback only", nameof(receivers));
        }
        _receivers = receivers;
        _body = body;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(10),
        };
        _client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(15), DefaultRequestHeaders = { { "User-Agent", "Keel-Webhooks/1" } } };
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        _timestamp = now.ToString(CultureInfo.InvariantCulture);
        _signature = "v1," + Convert.ToBase64String(HMACSHA256.HashData(RandomNumberGenerator.GetBytes(32), body));
    }

    /// <summary>A webhook-id as long as Keel's (<c>msg_</c> and 26 characters), unique per request.</summary>
    public static string IdOf(long number) => $"base_{number:D25}";

    /// <summary>Sends request <paramref name="number"/>; null when it was answered 200, else what went wrong.</summary>
    public async Task<string?> SendAsync(long number, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _receivers[(int)(number % _receivers.Count)]) { Content = new ByteArrayContent(_body) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.TryAddWithoutValidation("webhook-id", IdOf(number));
        request.Headers.TryAddWithoutValidation("webhook-timestamp", _timestamp);
        request.Headers.TryAddWithoutValidation("webhook-signature", _signature);
        try
        {
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            await response.Content.ReadAsByteArrayAsync(ct);
            return response.StatusCode == HttpStatusCode.OK ? null : $"HTTP {(int)response.StatusCode}";
        }
        catch (HttpRequestException e)
        {
            return e.Message;
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            return "timed out";
        }
    }

    /// <summary>A body like Keel's for an event of <paramref name="type"/> with <paramref name="payload"/>: <c>{"type", "timestamp", "data"}</c>.</summary>
    public static byte[] KeelShapedBody(string type, string payload) => Encoding.UTF8.GetBytes(
        $$"""{"type":"{{type}}","timestamp":"{{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ss.ffffffZ}}","data":{{payload}}}""");

    public void Dispose() => _client.Dispose();
}
