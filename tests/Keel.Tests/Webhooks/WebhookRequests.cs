using System.Net;
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

    /// <summary>
    /// Returns once the dispatcher has worked through every delivery of the tenant that fell due before this call, so
    /// that a send still missing afterwards is not merely yet to come: a sentinel event, published now to an endpoint
    /// of its own at <paramref name="receiver"/> (path <c>/sentinel</c>), has arrived, and none of the tenant's
    /// deliveries is pending. Deliveries are claimed in the order they fall due, and one stays pending until its
    /// attempt is recorded, which is after the receiver recorded the request.
    /// </summary>
    public static async Task DispatchedUpToNowAsync(this HttpClient tenant, LoopbackReceiver receiver)
    {
        await tenant.CreateEndpointAsync(receiver, new { event_types = new[] { SentinelType } }, "sentinel");
        var sentinel = (await tenant.PublishAsync(SentinelType, new { })).Str("id");
        var pending = 0;
        await Eventually.TrueAsync(async () =>
            receiver.For(sentinel).Length > 0
            && (pending = (await (await tenant.GetAsync("/v1/deliveries?status=pending")).Json(HttpStatusCode.OK)).Ids().Length) == 0,
            describe: () => $"sentinel {sentinel}: {receiver.For(sentinel).Length} requests, {pending} deliveries pending");
    }

    /// <summary>The event type of <see cref="DispatchedUpToNowAsync"/>'s sentinel, received at <c>/sentinel</c> only.</summary>
    public const string SentinelType = "test.sentinel";

    /// <summary>Requests of the receiver that carry this event's <c>webhook-id</c>.</summary>
    public static ReceivedRequest[] For(this LoopbackReceiver receiver, string eventId) =>
        [.. receiver.Requests.Where(r => r.Headers.GetValueOrDefault("webhook-id") == eventId)];
}
