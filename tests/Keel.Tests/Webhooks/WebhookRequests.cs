using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Keel.Tests.Infrastructure;

namespace Keel.Tests.Webhooks;

/// <summary>The webhook calls tests repeat, and the waiting that asynchronous delivery needs.</summary>
internal static class WebhookRequests
{
    public static async Task<JsonElement> CreateEndpointAsync(this HttpClient client, LoopbackReceiver receiver, object? extra = null, string path = "hook")
    {
        var body = new Dictionary<string, object?> { ["url"] = new Uri(receiver.BaseUri, path).ToString() };
        foreach (var property in JsonSerializer.SerializeToElement(extra ?? new { }).EnumerateObject())
        {
            body[property.Name] = property.Value;
        }
        return await (await client.PostJson("/v1/webhooks/endpoints", body)).Json(HttpStatusCode.Created);
    }

    public static async Task<JsonElement> PublishAsync(this HttpClient client, string type, object payload, string? idempotencyKey = null) =>
        await (await client.PostJson("/v1/events", idempotencyKey is null
            ? new { type, payload }
            : new { type, payload, idempotency_key = idempotencyKey })).Json(HttpStatusCode.Accepted);

    public static async Task<JsonElement[]> DeliveriesOfAsync(this HttpClient client, string eventId) =>
        [.. (await (await client.GetAsync($"/v1/events/{eventId}/deliveries")).Json(HttpStatusCode.OK)).GetProperty("data").EnumerateArray()];

    public static async Task<JsonElement[]> AttemptsOfAsync(this HttpClient client, string deliveryId) =>
        [.. (await (await client.GetAsync($"/v1/deliveries/{deliveryId}/attempts")).Json(HttpStatusCode.OK)).GetProperty("data").EnumerateArray()];

    /// <summary>Polls until the delivery of the event reaches <paramref name="status"/>; returns it.</summary>
    public static async Task<JsonElement> WaitForDeliveryAsync(this HttpClient client, string eventId, string status, TimeSpan? timeout = null)
    {
        JsonElement[] deliveries = [];
        await Eventually.TrueAsync(async () =>
        {
            deliveries = await client.DeliveriesOfAsync(eventId);
            return deliveries.Length == 1 && deliveries[0].Str("status") == status;
        }, timeout, () => $"delivery of {eventId} never became {status}: {string.Join(", ", deliveries.Select(d => d.GetRawText()))}");
        return deliveries[0];
    }

    /// <summary>Requests of the receiver that carry this event's <c>webhook-id</c>.</summary>
    public static ReceivedRequest[] For(this LoopbackReceiver receiver, string eventId) =>
        [.. receiver.Requests.Where(r => r.Headers.GetValueOrDefault("webhook-id") == eventId)];
}

/// <summary>Waits for an asynchronous outcome, failing with a message that says what was seen.</summary>
internal static class Eventually
{
    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan? timeout = null, Func<string>? describe = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, describe?.Invoke() ?? "condition not met in time");
            await Task.Delay(50);
        }
    }

    public static Task TrueAsync(Func<bool> condition, TimeSpan? timeout = null, Func<string>? describe = null) =>
        TrueAsync(() => Task.FromResult(condition()), timeout, describe);
}

/// <summary>
/// Standard Webhooks verification written from the spec, independent of Keel's signer: the signed
/// content is <c>{webhook-id}.{webhook-timestamp}.{body}</c>, the key the base64 after <c>whsec_</c>.
/// </summary>
internal static class StandardWebhooks
{
    public static string[] Entries(ReceivedRequest request, string version) =>
        [.. request.Headers["webhook-signature"].Split(' ').Where(e => e.StartsWith(version + ",", StringComparison.Ordinal)).Select(e => e[(version.Length + 1)..])];

    public static bool HasValidV1(ReceivedRequest request, string secret) => HasValid(request, secret, "v1", HMACSHA256.HashData);

    public static bool HasValidV2(ReceivedRequest request, string secret) => HasValid(request, secret, "v2", HMACSHA512.HashData);

    static bool HasValid(ReceivedRequest request, string secret, string version, Func<byte[], byte[], byte[]> mac)
    {
        var key = Convert.FromBase64String(secret["whsec_".Length..]);
        var content = Encoding.UTF8.GetBytes($"{request.Headers["webhook-id"]}.{request.Headers["webhook-timestamp"]}.{request.BodyText}");
        var expected = Convert.ToBase64String(mac(key, content));
        return Entries(request, version).Contains(expected);
    }
}
