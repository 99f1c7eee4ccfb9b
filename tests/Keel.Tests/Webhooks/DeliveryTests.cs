using System.Net;
using System.Text.Json;
using Keel.Tests.Infrastructure;

namespace Keel.Tests.Webhooks;

/// <summary>Publish to delivery on a real dispatcher and a loopback receiver: signing, filters, retries, dead letters.</summary>
public abstract class DeliveryTests(WebhookFixture fixture)
{
    [Fact]
    public async Task Publish_SubscribedEndpoint_ReceivesSignedStandardWebhook()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var tenant = await fixture.NewTenantAsync();
        var endpoint = await tenant.Owner.CreateEndpointAsync(receiver);
        var secret = endpoint.Str("secret");
        Assert.StartsWith("whsec_", secret, StringComparison.Ordinal);

        var ev = await tenant.Owner.PublishAsync("invoice.paid", new { amount = 42, currency = "EUR" });
        var eventId = ev.Str("id");
        Assert.StartsWith("msg_", eventId, StringComparison.Ordinal);
        var delivery = await tenant.Owner.WaitForDeliveryAsync(eventId, "succeeded");

        var request = Assert.Single(receiver.For(eventId));
        Assert.Equal("POST", request.Method);
        Assert.Equal("/hook", request.PathAndQuery);
        Assert.StartsWith("application/json", request.Headers["Content-Type"], StringComparison.Ordinal);
        var timestamp = long.Parse(request.Headers["webhook-timestamp"], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - timestamp, 0, 30);
        Assert.True(StandardWebhooks.HasValidV1(request, secret), request.Headers["webhook-signature"]);
        using var body = JsonDocument.Parse(request.Body);
        Assert.Equal("invoice.paid", body.RootElement.Str("type"));
        Assert.Equal(42, body.RootElement.GetProperty("data").GetProperty("amount").GetInt32());
        Assert.Equal(ev.GetProperty("timestamp").GetDateTimeOffset(), body.RootElement.GetProperty("timestamp").GetDateTimeOffset());

        Assert.Equal(endpoint.Str("id"), delivery.Str("endpoint_id"));
        Assert.Equal(1, delivery.GetProperty("attempt_count").GetInt32());
        var attempt = Assert.Single(await tenant.Owner.AttemptsOfAsync(delivery.Str("id")));
        Assert.Equal(200, attempt.GetProperty("status_code").GetInt32());
        Assert.True(attempt.GetProperty("latency_ms").GetInt32() >= 0);
        var metrics = await (await fixture.Admin.GetAsync("/metrics")).Content.ReadAsStringAsync();
        Assert.Contains("keel_webhooks_attempts_total{", metrics, StringComparison.Ordinal);
        Assert.Contains("keel_webhooks_delivery_lag_seconds_bucket{", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Publish_EventTypeFilters_OnlyMatchingEndpointsGetDeliveries()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var tenant = await fixture.NewTenantAsync();
        var invoices = await tenant.Owner.CreateEndpointAsync(receiver, new { event_types = new[] { "invoice.*" } }, "invoices");
        var exact = await tenant.Owner.CreateEndpointAsync(receiver, new { event_types = new[] { "user.created" } }, "users");
        var all = await tenant.Owner.CreateEndpointAsync(receiver, path: "all");

        var paid = (await tenant.Owner.PublishAsync("invoice.paid", new { })).Str("id");
        var created = (await tenant.Owner.PublishAsync("user.created", new { })).Str("id");
        var plain = (await tenant.Owner.PublishAsync("invoice", new { })).Str("id");

        string[] Endpoints(JsonElement[] deliveries) => [.. deliveries.Select(d => d.Str("endpoint_id")).Order()];
        var paidTo = Endpoints(await tenant.Owner.DeliveriesOfAsync(paid));
        Assert.Equal(new[] { invoices.Str("id"), all.Str("id") }.Order(), paidTo);
        var createdTo = Endpoints(await tenant.Owner.DeliveriesOfAsync(created));
        Assert.Equal(new[] { exact.Str("id"), all.Str("id") }.Order(), createdTo);
        Assert.Equal([all.Str("id")], Endpoints(await tenant.Owner.DeliveriesOfAsync(plain)));
        await Eventually.TrueAsync(() => receiver.Requests.Count == 5, describe: () => $"{receiver.Requests.Count} requests");
        Assert.DoesNotContain(receiver.Requests, r => r.PathAndQuery == "/invoices" && r.Headers["webhook-id"] != paid);
    }

    [Fact]
    public async Task Receiver_FailsTwiceThenSucceeds_ThreeAttemptsWithOneWebhookId()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var calls = 0;
        receiver.Respond = _ => Interlocked.Increment(ref calls) <= 2 ? new ReceiverResponse(500, Body: "boom") : new ReceiverResponse(204);
        var tenant = await fixture.NewTenantAsync();
        await tenant.Owner.CreateEndpointAsync(receiver);

        var eventId = (await tenant.Owner.PublishAsync("order.shipped", new { id = 7 })).Str("id");
        var delivery = await tenant.Owner.WaitForDeliveryAsync(eventId, "succeeded");

        Assert.Equal(3, delivery.GetProperty("attempt_count").GetInt32());
        var requests = receiver.For(eventId);
        Assert.Equal(3, requests.Length);
        Assert.Single(requests.Select(r => r.Headers["webhook-id"]).Distinct());
        var attempts = await tenant.Owner.AttemptsOfAsync(delivery.Str("id"));
        Assert.Equal([204, 500, 500], attempts.Select(a => a.GetProperty("status_code").GetInt32()));
        Assert.Equal("boom", attempts[2].Str("response_excerpt"));
    }

    [Fact]
    public async Task Receiver_InAllowedNetworkWithStoreResponses_AnswerBodyStored()
    {
        // The fixture sets Webhooks:StoreResponsesFromAllowedNetworks; WorkerTests shows the default.
        await using var receiver = await LoopbackReceiver.StartAsync();
        receiver.Respond = _ => new ReceiverResponse(200, Body: "db password: hunter2");
        var tenant = await fixture.NewTenantAsync();
        await tenant.Owner.CreateEndpointAsync(receiver);

        var eventId = (await tenant.Owner.PublishAsync("a.b", new { })).Str("id");
        var delivery = await tenant.Owner.WaitForDeliveryAsync(eventId, "succeeded");

        var attempt = Assert.Single(await tenant.Owner.AttemptsOfAsync(delivery.Str("id")));
        Assert.Equal(200, attempt.GetProperty("status_code").GetInt32());
        Assert.Equal("db password: hunter2", attempt.Str("response_excerpt"));
    }

    [Fact]
    public async Task HostnameRefusingConnections_AttemptErrorNamesNoAddress()
    {
        var closedPort = LoopbackPorts.Unused();
        var tenant = await fixture.NewTenantAsync();
        await (await tenant.Owner.PostJson("/v1/webhooks/endpoints", new { url = $"http://localhost:{closedPort}/hook" })).Json(HttpStatusCode.Created);

        var eventId = (await tenant.Owner.PublishAsync("a.b", new { })).Str("id");
        await Eventually.TrueAsync(async () => (await tenant.Owner.DeliveriesOfAsync(eventId)).Single().GetProperty("attempt_count").GetInt32() >= 1);
        var delivery = (await tenant.Owner.DeliveriesOfAsync(eventId)).Single();

        var attempt = (await tenant.Owner.AttemptsOfAsync(delivery.Str("id")))[^1];
        Assert.Equal("webhooks.connection_failed", attempt.Str("error_code"));
        Assert.DoesNotMatch(IPLiteral.Pattern(), attempt.Str("error_detail"));
    }

    [Fact]
    public async Task AlwaysFailing_DeadAfterSchedule_RedispatchDeliversExactlyOnceMore()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var failing = true;
        receiver.Respond = _ => Volatile.Read(ref failing) ? new ReceiverResponse(503) : new ReceiverResponse(200);
        var tenant = await fixture.NewTenantAsync();
        await tenant.Owner.CreateEndpointAsync(receiver);

        var eventId = (await tenant.Owner.PublishAsync("order.failed", new { })).Str("id");
        var dead = await tenant.Owner.WaitForDeliveryAsync(eventId, "dead");
        Assert.Equal(4, dead.GetProperty("attempt_count").GetInt32()); // the first attempt and 3 retries
        Assert.Equal(4, receiver.For(eventId).Length);
        var deadList = await (await tenant.Owner.GetAsync("/v1/deliveries?status=dead")).Json(HttpStatusCode.OK);
        Assert.Equal([dead.Str("id")], deadList.Ids());

        Volatile.Write(ref failing, false);
        var first = await (await tenant.Owner.PostAsync($"/v1/deliveries/{dead.Str("id")}/redispatch", null)).Json(HttpStatusCode.Accepted);
        var second = await (await tenant.Owner.PostAsync($"/v1/deliveries/{dead.Str("id")}/redispatch", null)).Json(HttpStatusCode.Accepted);
        Assert.Equal(dead.Str("id"), first.Str("id"));
        Assert.Equal(dead.Str("id"), second.Str("id"));
        await tenant.Owner.WaitForDeliveryAsync(eventId, "succeeded");
        await tenant.Owner.DispatchedUpToNowAsync(receiver); // a wrongly queued second send would have gone by now
        Assert.Equal(5, receiver.For(eventId).Length);
        Assert.Empty((await (await tenant.Owner.GetAsync("/v1/deliveries?status=dead")).Json(HttpStatusCode.OK)).Ids());
    }

    [Fact]
    public async Task BulkRedispatch_ByEndpoint_RequeuesOnlyItsDeadDeliveries_AndOldReplayRouteIsDeprecated()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var failing = true;
        receiver.Respond = _ => Volatile.Read(ref failing) ? new ReceiverResponse(500) : new ReceiverResponse(200);
        var tenant = await fixture.NewTenantAsync();
        var a = await tenant.Owner.CreateEndpointAsync(receiver, path: "a");
        var b = await tenant.Owner.CreateEndpointAsync(receiver, path: "b");
        var eventId = (await tenant.Owner.PublishAsync("order.failed", new { })).Str("id");
        await Eventually.TrueAsync(async () => (await tenant.Owner.DeliveriesOfAsync(eventId)).All(d => d.Str("status") == "dead"));

        Volatile.Write(ref failing, false);
        var result = await (await tenant.Owner.PostJson("/v1/deliveries/redispatch", new { endpoint_id = a.Str("id") })).Json(HttpStatusCode.OK);
        Assert.Equal(1, result.GetProperty("redispatched").GetInt32());
        await Eventually.TrueAsync(async () => (await tenant.Owner.DeliveriesOfAsync(eventId)).Any(d => d.Str("status") == "succeeded"));
        var byEndpoint = (await tenant.Owner.DeliveriesOfAsync(eventId)).ToDictionary(d => d.Str("endpoint_id"), d => d.Str("status"));
        Assert.Equal("succeeded", byEndpoint[a.Str("id")]);
        Assert.Equal("dead", byEndpoint[b.Str("id")]);

        var replay = await tenant.Owner.PostJson("/v1/dlq/replay", new { event_type = "order.failed" });
        Assert.Equal(1, (await replay.Json(HttpStatusCode.OK)).GetProperty("redispatched").GetInt32());
        Assert.StartsWith("@", replay.Headers.GetValues("Deprecation").Single(), StringComparison.Ordinal);
        Assert.True(DateTimeOffset.TryParse(replay.Headers.GetValues("Sunset").Single(), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out _));
        Assert.Contains("rel=\"successor-version\"", replay.Headers.GetValues("Link").Single(), StringComparison.Ordinal);
        Assert.Contains("/v1/deliveries/redispatch", replay.Headers.GetValues("Link").Single(), StringComparison.Ordinal);
        await Eventually.TrueAsync(async () => (await tenant.Owner.DeliveriesOfAsync(eventId)).All(d => d.Str("status") == "succeeded"));
    }

    [Fact]
    public async Task Receiver_Answers410_EndpointDisabledAndAnnounced()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        receiver.Respond = r => r.PathAndQuery == "/gone" ? new ReceiverResponse(410) : new ReceiverResponse(200);
        var tenant = await fixture.NewTenantAsync();
        var gone = await tenant.Owner.CreateEndpointAsync(receiver, new { event_types = new[] { "order.*" } }, "gone");
        await tenant.Owner.CreateEndpointAsync(receiver, new { event_types = new[] { "endpoint.disabled" } }, "ops");

        var eventId = (await tenant.Owner.PublishAsync("order.placed", new { })).Str("id");
        var delivery = await tenant.Owner.WaitForDeliveryAsync(eventId, "dead");
        Assert.Equal(1, delivery.GetProperty("attempt_count").GetInt32());
        var view = await (await tenant.Owner.GetAsync($"/v1/webhooks/endpoints/{gone.Str("id")}")).Json(HttpStatusCode.OK);
        Assert.False(view.GetProperty("enabled").GetBoolean());
        await Eventually.TrueAsync(() => receiver.Requests.Any(r => r.PathAndQuery == "/ops"));
        using var announced = JsonDocument.Parse(receiver.Requests.First(r => r.PathAndQuery == "/ops").Body);
        Assert.Equal("endpoint.disabled", announced.RootElement.Str("type"));
        Assert.Equal(gone.Str("id"), announced.RootElement.GetProperty("data").Str("endpoint_id"));

        // A disabled endpoint gets no new deliveries; re-enabled, it does.
        var later = (await tenant.Owner.PublishAsync("order.placed", new { })).Str("id");
        Assert.Empty(await tenant.Owner.DeliveriesOfAsync(later));
        await (await tenant.Owner.PatchJson($"/v1/webhooks/endpoints/{gone.Str("id")}", new { enabled = true })).Json(HttpStatusCode.OK);
        var third = (await tenant.Owner.PublishAsync("order.placed", new { })).Str("id");
        Assert.Single(await tenant.Owner.DeliveriesOfAsync(third));
    }

    [Fact]
    public async Task Receiver_429WithRetryAfter_WaitsAsAsked()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var calls = 0;
        receiver.Respond = _ => Interlocked.Increment(ref calls) == 1
            ? new ReceiverResponse(429, new Dictionary<string, string> { ["Retry-After"] = "2" })
            : new ReceiverResponse(200);
        var tenant = await fixture.NewTenantAsync();
        await tenant.Owner.CreateEndpointAsync(receiver);
        var eventId = (await tenant.Owner.PublishAsync("order.placed", new { })).Str("id");
        await tenant.Owner.WaitForDeliveryAsync(eventId, "succeeded");
        var requests = receiver.For(eventId);
        Assert.Equal(2, requests.Length);
        // The schedule says 300 ms; the receiver asked for 2 s.
        var gap = long.Parse(requests[1].Headers["webhook-timestamp"], System.Globalization.CultureInfo.InvariantCulture)
            - long.Parse(requests[0].Headers["webhook-timestamp"], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(gap, 1, 4);
    }

    [Fact]
    public async Task KeyChanges_PublishKeyEvents_WithoutSecrets()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var tenant = await fixture.NewTenantAsync();
        await tenant.Owner.CreateEndpointAsync(receiver, new { event_types = new[] { "key.*" } });
        var key = await (await tenant.Owner.PostJson("/v1/keys", new { name = "svc" })).Json(HttpStatusCode.Created);
        var rotated = await (await tenant.Owner.PostJson($"/v1/keys/{key.Str("id")}/rotate", new { grace_period_seconds = 60 })).Json(HttpStatusCode.Created);
        (await tenant.Owner.DeleteAsync($"/v1/keys/{rotated.Str("id")}")).EnsureSuccessStatusCode();

        await Eventually.TrueAsync(() => receiver.Requests.Count == 3, describe: () => $"{receiver.Requests.Count} key events");
        var events = receiver.Requests.Select(r => JsonDocument.Parse(r.Body).RootElement).OrderBy(e => e.GetProperty("timestamp").GetDateTimeOffset()).ToList();
        Assert.Equal(["key.created", "key.rotated", "key.revoked"], events.Select(e => e.Str("type")));
        Assert.Equal(key.Str("id"), events[0].GetProperty("data").Str("id"));
        Assert.Equal(key.Str("id"), events[1].GetProperty("data").Str("old_key_id"));
        Assert.Equal(rotated.Str("id"), events[1].GetProperty("data").GetProperty("successor").Str("id"));
        Assert.Equal(rotated.Str("id"), events[2].GetProperty("data").Str("id"));
        foreach (var request in receiver.Requests)
        {
            Assert.DoesNotContain(key.Str("key"), request.BodyText, StringComparison.Ordinal);
            Assert.DoesNotContain(rotated.Str("key"), request.BodyText, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task DeletedTenant_EndpointsStopReceiving()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        receiver.Respond = _ => new ReceiverResponse(503);
        var tenant = await fixture.NewTenantAsync();
        await tenant.Owner.CreateEndpointAsync(receiver);
        await tenant.Owner.PublishAsync("a.b", new { });
        await Eventually.TrueAsync(() => receiver.Requests.Count >= 1);

        Assert.Equal(HttpStatusCode.NoContent, (await fixture.Admin.DeleteAsync($"/v1/tenants/{tenant.Id}")).StatusCode);

        // Another tenant's event, failing the same way, goes through the whole schedule after the deletion. A retry of
        // the deleted tenant's delivery would fall due before the sentinel's second attempt, and deliveries are
        // claimed in the order they fall due; only an attempt in flight at the deletion may still land.
        var other = await fixture.NewTenantAsync();
        await other.Owner.CreateEndpointAsync(receiver, path: "sentinel");
        var sentinel = (await other.Owner.PublishAsync("a.b", new { })).Str("id");
        await other.Owner.WaitForDeliveryAsync(sentinel, "dead");

        var paths = receiver.Requests.Select(r => r.PathAndQuery).ToList();
        var attempts = paths.Count(p => p == "/hook");
        Assert.True(attempts < 4, $"{attempts} attempts"); // the schedule was cut short
        Assert.True(paths.LastIndexOf("/hook") < paths.IndexOf("/sentinel", paths.IndexOf("/sentinel") + 1),
            "the deleted tenant's endpoint was attempted after the deletion: " + string.Join(", ", paths));
    }

    [Fact]
    public async Task Deliveries_OfAnotherTenant_AreNotFound()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var owner = await fixture.NewTenantAsync();
        var other = await fixture.NewTenantAsync();
        var endpoint = await owner.Owner.CreateEndpointAsync(receiver);
        var eventId = (await owner.Owner.PublishAsync("a.b", new { })).Str("id");
        var delivery = await owner.Owner.WaitForDeliveryAsync(eventId, "succeeded");

        foreach (var path in new[]
        {
            $"/v1/events/{eventId}", $"/v1/events/{eventId}/deliveries", $"/v1/deliveries/{delivery.Str("id")}",
            $"/v1/deliveries/{delivery.Str("id")}/attempts", $"/v1/webhooks/endpoints/{endpoint.Str("id")}",
        })
        {
            await (await other.Owner.GetAsync(path)).Problem(HttpStatusCode.NotFound, "resource.not_found");
        }
        await (await other.Owner.PostAsync($"/v1/deliveries/{delivery.Str("id")}/redispatch", null)).Problem(HttpStatusCode.NotFound, "resource.not_found");
        await (await other.Owner.DeleteAsync($"/v1/webhooks/endpoints/{endpoint.Str("id")}")).Problem(HttpStatusCode.NotFound, "resource.not_found");
        await (await other.Owner.PostJson($"/v1/webhooks/endpoints/{endpoint.Str("id")}/secret/rotate", new { })).Problem(HttpStatusCode.NotFound, "resource.not_found");
        Assert.Empty((await (await other.Owner.GetAsync("/v1/deliveries")).Json(HttpStatusCode.OK)).Ids());
        Assert.Empty((await (await other.Owner.GetAsync("/v1/events")).Json(HttpStatusCode.OK)).Ids());
        Assert.Empty((await (await other.Owner.GetAsync("/v1/webhooks/endpoints")).Json(HttpStatusCode.OK)).Ids());
        Assert.Equal(0, (await (await other.Owner.PostJson("/v1/deliveries/redispatch", new { endpoint_id = endpoint.Str("id") })).Json(HttpStatusCode.OK)).GetProperty("redispatched").GetInt32());
    }
}

public sealed class DeliveryTests_Sqlite(WebhookSqliteFixture f) : DeliveryTests(f), IClassFixture<WebhookSqliteFixture>;

public sealed class DeliveryTests_Postgres(WebhookPostgresFixture f) : DeliveryTests(f), IClassFixture<WebhookPostgresFixture>;
