using System.Net;
using Keel.Storage;
using Keel.Tests.Infrastructure;
using Keel.Webhooks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Keel.Tests.Webhooks;

/// <summary>Dispatcher behaviour that needs nodes of its own: other settings, several workers, retention.</summary>
public abstract class WorkerTests(Provider provider)
{
    [Fact]
    public async Task TwoWorkers_OneDatabase_EachDeliverySentOnce()
    {
        var first = await WebhookFixture.StartNodeAsync(provider);
        var second = await WebhookFixture.StartNodeAsync(provider, connectionString: first.ConnectionString);
        try
        {
            await using var receiver = await LoopbackReceiver.StartAsync();
            using var admin = first.ClientWith(KeelFixture.AdminToken);
            var tenant = await KeelFixture.NewTenantAsync(first, admin);
            await tenant.Owner.CreateEndpointAsync(receiver, new { event_types = new[] { "storm.*" } }, "a");
            await tenant.Owner.CreateEndpointAsync(receiver, new { event_types = new[] { "storm.*" } }, "b");
            using var viaSecond = second.ClientWith(tenant.OwnerKey);

            var ids = await Task.WhenAll(Enumerable.Range(0, 60).Select(async i =>
                (await (i % 2 == 0 ? tenant.Owner : viaSecond).PublishAsync("storm.item", new { i })).Str("id")));
            await Eventually.TrueAsync(() => receiver.Requests.Count >= 120, describe: () => $"{receiver.Requests.Count} of 120");
            await tenant.Owner.DispatchedUpToNowAsync(receiver); // a duplicate would have arrived by now
            var sent = receiver.Requests.Where(r => r.PathAndQuery != "/sentinel").GroupBy(r => (r.Headers["webhook-id"], r.PathAndQuery)).ToList();
            Assert.Equal(120, sent.Count);
            Assert.All(sent, g => Assert.Single(g));
            Assert.Equal(ids.Order(), sent.Select(g => g.Key.Item1).Distinct().Order());
        }
        finally
        {
            await second.DisposeAsync();
            await first.StopAsync();
        }
    }

    [Fact]
    public async Task HostnameResolvingToLoopback_FailsAtConnectTime_WithoutNamingTheAddress()
    {
        // One node may reach loopback (and accepts the endpoint); the worker on the same database may
        // not: the name passes creation and is refused once resolved, as a rebinding name would be.
        var api = await WebhookFixture.StartNodeAsync(provider, new Dictionary<string, string?> { ["Webhooks:DispatcherEnabled"] = "false" });
        var worker = await WebhookFixture.StartNodeAsync(provider,
            new Dictionary<string, string?> { ["Webhooks:AllowedNetworks:0"] = "192.0.2.0/24", ["Webhooks:RetrySchedule:0"] = "01:00:00" }, api.ConnectionString);
        try
        {
            await using var receiver = await LoopbackReceiver.StartAsync();
            using var admin = api.ClientWith(KeelFixture.AdminToken);
            var tenant = await KeelFixture.NewTenantAsync(api, admin);
            var created = await tenant.Owner.PostJson("/v1/webhooks/endpoints", new { url = $"http://localhost:{receiver.Port}/hook" });
            await created.Json(HttpStatusCode.Created);

            var eventId = (await tenant.Owner.PublishAsync("a.b", new { })).Str("id");
            await Eventually.TrueAsync(async () => (await tenant.Owner.DeliveriesOfAsync(eventId)).Single().GetProperty("attempt_count").GetInt32() >= 1);
            var delivery = (await tenant.Owner.DeliveriesOfAsync(eventId)).Single();
            Assert.Equal("webhooks.destination_forbidden", delivery.Str("last_error"));
            var attempt = (await tenant.Owner.AttemptsOfAsync(delivery.Str("id")))[0];
            Assert.Equal("webhooks.destination_forbidden", attempt.Str("error_code"));
            // The kind of address, not the address: a tenant must not map internal DNS through its endpoints.
            var detail = attempt.Str("error_detail");
            Assert.Contains("localhost", detail, StringComparison.Ordinal);
            Assert.Contains("(loopback)", detail, StringComparison.Ordinal);
            Assert.DoesNotMatch(IPLiteral.Pattern(), detail);
            Assert.True(attempt.IsNull("status_code"));
            Assert.Empty(receiver.Requests);
        }
        finally
        {
            await worker.DisposeAsync();
            await api.StopAsync();
        }
    }

    [Fact]
    public async Task Receiver_InAllowedNetwork_AnswerBodyNotStoredByDefault()
    {
        // The shared fixture stores these answers; here the setting is left unset, as an operator would.
        var node = await WebhookFixture.StartNodeAsync(provider, new Dictionary<string, string?> { ["Webhooks:StoreResponsesFromAllowedNetworks"] = null });
        try
        {
            await using var receiver = await LoopbackReceiver.StartAsync();
            receiver.Respond = _ => new ReceiverResponse(500, new Dictionary<string, string> { ["X-Internal"] = "1" }, "db password: hunter2");
            using var admin = node.ClientWith(KeelFixture.AdminToken);
            var tenant = await KeelFixture.NewTenantAsync(node, admin);
            await tenant.Owner.CreateEndpointAsync(receiver);

            var eventId = (await tenant.Owner.PublishAsync("a.b", new { })).Str("id");
            await Eventually.TrueAsync(async () => (await tenant.Owner.DeliveriesOfAsync(eventId)).Single().GetProperty("attempt_count").GetInt32() >= 1);
            var delivery = (await tenant.Owner.DeliveriesOfAsync(eventId)).Single();
            var attempt = (await tenant.Owner.AttemptsOfAsync(delivery.Str("id")))[^1];

            Assert.Equal(500, attempt.GetProperty("status_code").GetInt32());
            Assert.True(attempt.IsNull("response_excerpt"));
            Assert.True(attempt.IsNull("error_code"));
            Assert.DoesNotContain("hunter2", await (await tenant.Owner.GetAsync($"/v1/deliveries/{delivery.Str("id")}/attempts")).Content.ReadAsStringAsync(),
                StringComparison.Ordinal);
        }
        finally
        {
            await node.StopAsync();
        }
    }

    [Fact]
    public async Task Recorder_StaleLeaseToken_WritesNothing_LeavesTheDeliveryToTheNewHolder()
    {
        var node = await WebhookFixture.StartNodeAsync(provider, new Dictionary<string, string?> { ["Webhooks:DispatcherEnabled"] = "false" });
        try
        {
            await using var receiver = await LoopbackReceiver.StartAsync();
            using var admin = node.ClientWith(KeelFixture.AdminToken);
            var tenant = await KeelFixture.NewTenantAsync(node, admin);
            await tenant.Owner.CreateEndpointAsync(receiver);
            await tenant.Owner.PublishAsync("a.b", new { i = 1 });
            await tenant.Owner.PublishAsync("a.b", new { i = 2 });
            var recorder = node.Services.GetRequiredService<DeliveryRecorder>();
            var now = DateTime.UtcNow;
            // The first worker claims both; its lease runs out and a second worker claims one of them again.
            var first = await ClaimAsync(node, now, 10);
            var holder = (await ClaimAsync(node, now.AddMinutes(2), 1)).Single();
            var stale = first.Single(d => d.Id == holder.Id);
            var other = first.Single(d => d.Id != holder.Id);

            // The first worker records both in one batch: its outcome for the taken-over one is fenced off, attempt and all.
            await recorder.RecordAsync([Outcome(stale, 200, OutcomeKind.Succeeded, null), Outcome(other, 200, OutcomeKind.Succeeded, null)], CancellationToken.None);
            var afterStale = await DeliveryAsync(node, holder.Id);
            Assert.Equal((Delivery.Pending, 0, holder.LeaseToken), (afterStale.Status, afterStale.AttemptCount, afterStale.LeaseToken));
            Assert.Empty(await tenant.Owner.AttemptsOfAsync(holder.Id));
            var recorded = await DeliveryAsync(node, other.Id);
            Assert.Equal((Delivery.Succeeded, 1, other.LeaseToken + 1), (recorded.Status, recorded.AttemptCount, recorded.LeaseToken));
            Assert.Single(await tenant.Owner.AttemptsOfAsync(other.Id));

            var retryAt = new DateTime(now.Ticks - (now.Ticks % 10), DateTimeKind.Utc).AddHours(1);
            await recorder.RecordAsync([Outcome(holder, 500, OutcomeKind.Retry, retryAt)], CancellationToken.None);
            var retried = await DeliveryAsync(node, holder.Id);
            Assert.Equal((Delivery.Pending, 1, 1, 500, retryAt, holder.LeaseToken + 1),
                (retried.Status, retried.AttemptCount, retried.RoundFailures, retried.LastStatusCode, retried.NextAttemptAt, retried.LeaseToken));
            Assert.Null(retried.CompletedAt);
            Assert.Null(retried.LeasedUntil); // due again at retryAt, not at the end of the lease

            var last = (await ClaimAsync(node, retryAt, 10)).Single();
            await recorder.RecordAsync([Outcome(last, 200, OutcomeKind.Succeeded, null)], CancellationToken.None);
            var done = await DeliveryAsync(node, holder.Id);
            Assert.Equal((Delivery.Succeeded, 2, 1, 200), (done.Status, done.AttemptCount, done.RoundFailures, done.LastStatusCode));
            Assert.NotNull(done.CompletedAt);
            Assert.Equal(2, (await tenant.Owner.AttemptsOfAsync(holder.Id)).Length);
            Assert.Empty(receiver.Requests);
        }
        finally
        {
            await node.StopAsync();
        }
    }

    static async Task<List<Delivery>> ClaimAsync(KeelNode node, DateTime now, int limit)
    {
        await using var scope = node.Services.CreateAsyncScope();
        return await DeliveryClaims.ClaimAsync(scope.ServiceProvider.GetRequiredService<KeelDb>(), now, now.AddMinutes(1), limit, CancellationToken.None);
    }

    static async Task<Delivery> DeliveryAsync(KeelNode node, string id)
    {
        await using var scope = node.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<KeelDb>().Deliveries.AsNoTracking().SingleAsync(d => d.Id == id);
    }

    static AttemptOutcome Outcome(Delivery claimed, int status, OutcomeKind kind, DateTime? next) => new(claimed, new DeliveryAttempt
    {
        Id = Ids.New("att"),
        TenantId = claimed.TenantId,
        DeliveryId = claimed.Id,
        EndpointId = claimed.EndpointId,
        AttemptedAt = DateTime.UtcNow,
        StatusCode = status,
    }, kind, next);

    [Fact]
    public async Task RedirectToPrivateAddress_IsNotFollowed()
    {
        var node = await WebhookFixture.StartNodeAsync(provider, new Dictionary<string, string?> { ["Webhooks:RetrySchedule:0"] = "01:00:00" });
        try
        {
            await using var receiver = await LoopbackReceiver.StartAsync();
            receiver.Respond = _ => new ReceiverResponse(302, new Dictionary<string, string> { ["Location"] = "http://10.0.0.1/steal" });
            using var admin = node.ClientWith(KeelFixture.AdminToken);
            var tenant = await KeelFixture.NewTenantAsync(node, admin);
            await tenant.Owner.CreateEndpointAsync(receiver);
            var eventId = (await tenant.Owner.PublishAsync("a.b", new { })).Str("id");
            await Eventually.TrueAsync(async () => (await tenant.Owner.DeliveriesOfAsync(eventId)).Single().GetProperty("attempt_count").GetInt32() >= 1);
            var delivery = (await tenant.Owner.DeliveriesOfAsync(eventId)).Single();
            Assert.Equal("pending", delivery.Str("status")); // a 3xx is a failed attempt, retried later
            Assert.Equal(302, delivery.GetProperty("last_status_code").GetInt32());
            Assert.Single(receiver.Requests);
        }
        finally
        {
            await node.StopAsync();
        }
    }

    [Fact]
    public async Task EndpointFailingLongerThanDisableAfter_IsDisabled()
    {
        var node = await WebhookFixture.StartNodeAsync(provider, new Dictionary<string, string?>
        {
            ["Webhooks:DisableAfter"] = "00:00:01",
            ["Webhooks:RetrySchedule:0"] = "00:00:00.4",
            ["Webhooks:RetrySchedule:1"] = "00:00:00.4",
            ["Webhooks:RetrySchedule:2"] = "00:00:00.4",
            ["Webhooks:RetrySchedule:3"] = "00:00:00.4",
            ["Webhooks:RetrySchedule:4"] = "00:00:00.4",
        });
        try
        {
            await using var receiver = await LoopbackReceiver.StartAsync();
            receiver.Respond = _ => new ReceiverResponse(500);
            using var admin = node.ClientWith(KeelFixture.AdminToken);
            var tenant = await KeelFixture.NewTenantAsync(node, admin);
            var endpoint = await tenant.Owner.CreateEndpointAsync(receiver, new { event_types = new[] { "a.*" } });
            var eventId = (await tenant.Owner.PublishAsync("a.b", new { })).Str("id");
            await Eventually.TrueAsync(async () =>
                !(await (await tenant.Owner.GetAsync($"/v1/webhooks/endpoints/{endpoint.Str("id")}")).Json(HttpStatusCode.OK)).GetProperty("enabled").GetBoolean());
            var view = await (await tenant.Owner.GetAsync($"/v1/webhooks/endpoints/{endpoint.Str("id")}")).Json(HttpStatusCode.OK);
            Assert.Contains("failed", view.Str("disabled_reason"), StringComparison.Ordinal);
            // At least two: not disabled at the first failure (a busy machine may space the retries past DisableAfter).
            var attempts = receiver.For(eventId).Length;
            Assert.InRange(attempts, 2, 6);

            // Disabled, it is no longer attempted. An event published now to another endpoint, failing too, is
            // attempted a second time after a retry interval; a retry of the disabled endpoint would fall due before
            // that, and deliveries are claimed in the order they fall due.
            await tenant.Owner.CreateEndpointAsync(receiver, new { event_types = new[] { "sentinel.*" } }, "sentinel");
            var sentinel = (await tenant.Owner.PublishAsync("sentinel.sent", new { })).Str("id");
            await Eventually.TrueAsync(async () => (await tenant.Owner.DeliveriesOfAsync(sentinel)).Single().GetProperty("attempt_count").GetInt32() >= 2);
            Assert.Equal(attempts, receiver.For(eventId).Length);
        }
        finally
        {
            await node.StopAsync();
        }
    }

    [Fact]
    public async Task Retention_DeletesOldFinishedRowsInBatches_KeepsPendingOnes()
    {
        var node = await WebhookFixture.StartNodeAsync(provider, new Dictionary<string, string?>
        {
            ["Webhooks:Retention"] = "00:00:01",
            ["Webhooks:RetentionBatchSize"] = "10",
            ["Webhooks:RetrySchedule:0"] = "01:00:00",
        });
        try
        {
            await using var receiver = await LoopbackReceiver.StartAsync();
            receiver.Respond = r => r.PathAndQuery == "/keep" ? new ReceiverResponse(500) : new ReceiverResponse(200);
            using var admin = node.ClientWith(KeelFixture.AdminToken);
            var tenant = await KeelFixture.NewTenantAsync(node, admin);
            await tenant.Owner.CreateEndpointAsync(receiver, new { event_types = new[] { "drop.*" } }, "drop");
            await tenant.Owner.CreateEndpointAsync(receiver, new { event_types = new[] { "keep.*" } }, "keep");
            var dropped = new List<string>();
            for (var i = 0; i < 25; i++)
            {
                dropped.Add((await tenant.Owner.PublishAsync("drop.me", new { i })).Str("id"));
            }
            // A second tenant's old rows go in the same statements: retention batches across tenants.
            var other = await KeelFixture.NewTenantAsync(node, admin);
            await other.Owner.CreateEndpointAsync(receiver, new { event_types = new[] { "drop.*" } }, "drop");
            var otherDropped = new List<string>();
            for (var i = 0; i < 12; i++)
            {
                otherDropped.Add((await other.Owner.PublishAsync("drop.me", new { i })).Str("id"));
            }
            var kept = (await tenant.Owner.PublishAsync("keep.me", new { })).Str("id");
            await Eventually.TrueAsync(() => receiver.Requests.Count >= 38);
            await tenant.Owner.WaitForDeliveryAsync(dropped[^1], "succeeded");
            await other.Owner.WaitForDeliveryAsync(otherDropped[^1], "succeeded");
            var keptDelivery = (await tenant.Owner.DeliveriesOfAsync(kept)).Single();
            await Task.Delay(1500);

            var deleted = await node.Services.GetRequiredService<WebhookRetention>().RunOnceAsync(CancellationToken.None);

            Assert.True(deleted >= 111, $"{deleted} rows deleted"); // 37 events, their 37 deliveries and 37 attempts
            Assert.Equal([kept], (await (await tenant.Owner.GetAsync("/v1/events")).Json(HttpStatusCode.OK)).Ids());
            Assert.Empty((await (await other.Owner.GetAsync("/v1/events")).Json(HttpStatusCode.OK)).Ids());
            await (await tenant.Owner.GetAsync($"/v1/events/{dropped[0]}")).Problem(HttpStatusCode.NotFound, "resource.not_found");
            Assert.Equal("pending", (await (await tenant.Owner.GetAsync($"/v1/deliveries/{keptDelivery.Str("id")}")).Json(HttpStatusCode.OK)).Str("status"));
            Assert.Equal(0, await node.Services.GetRequiredService<WebhookRetention>().RunOnceAsync(CancellationToken.None));
        }
        finally
        {
            await node.StopAsync();
        }
    }
    [Fact]
    public async Task Retention_DeletesSecretsPastTheirGrace_KeepsTheCurrentAndTheStillSigningOnes()
    {
        var node = await WebhookFixture.StartNodeAsync(provider);
        try
        {
            await using var receiver = await LoopbackReceiver.StartAsync();
            using var admin = node.ClientWith(KeelFixture.AdminToken);
            var tenant = await KeelFixture.NewTenantAsync(node, admin);
            var endpoint = (await tenant.Owner.CreateEndpointAsync(receiver)).Str("id");
            // The first secret stops signing at once, the second signs beside the third for an hour.
            await (await tenant.Owner.PostJson($"/v1/webhooks/endpoints/{endpoint}/secret/rotate", new { grace_period_seconds = 0 })).Json(HttpStatusCode.OK);
            await (await tenant.Owner.PostJson($"/v1/webhooks/endpoints/{endpoint}/secret/rotate", new { grace_period_seconds = 3600 })).Json(HttpStatusCode.OK);
            await Task.Delay(50);

            Assert.Equal(3, await SecretsAsync(node, endpoint));
            await node.Services.GetRequiredService<WebhookRetention>().RunOnceAsync(CancellationToken.None);
            Assert.Equal(2, await SecretsAsync(node, endpoint));
        }
        finally
        {
            await node.StopAsync();
        }
    }

    static async Task<int> SecretsAsync(KeelNode node, string endpointId)
    {
        await using var scope = node.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<KeelDb>().EndpointSecrets.CountAsync(s => s.EndpointId == endpointId);
    }
}

public sealed class WorkerTests_Sqlite() : WorkerTests(Provider.Sqlite);

/// <summary>A mechanism only PostgreSQL has: heap-only tuple updates.</summary>
public sealed class DeliveryClaimHotTests
{
    [Fact]
    public async Task Claim_TouchesNoIndexedColumn_IsAHeapOnlyUpdate()
    {
        var node = await WebhookFixture.StartNodeAsync(Provider.Postgres, new Dictionary<string, string?> { ["Webhooks:DispatcherEnabled"] = "false" });
        try
        {
            await using var receiver = await LoopbackReceiver.StartAsync();
            using var admin = node.ClientWith(KeelFixture.AdminToken);
            var tenant = await KeelFixture.NewTenantAsync(node, admin);
            await tenant.Owner.CreateEndpointAsync(receiver);
            for (var i = 0; i < 20; i++)
            {
                await tenant.Owner.PublishAsync("a.b", new { i });
            }
            await using var scope = node.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<KeelDb>();
            var before = await UpdatesAsync(db);
            var now = DateTime.UtcNow;
            Assert.Equal(20, (await DeliveryClaims.ClaimAsync(db, now, now.AddMinutes(1), 100, CancellationToken.None)).Count);

            // The statistics reach the view once the claiming backend reports them (within about a second).
            var after = before;
            await Eventually.TrueAsync(async () => (after = await UpdatesAsync(db)).All - before.All >= 20,
                describe: () => $"updates seen: {after.All - before.All}");
            // A row whose page has no room left for its new version cannot be updated in place: most, not all.
            Assert.True(after.Hot - before.Hot >= 0.9 * (after.All - before.All), $"{after.Hot - before.Hot} of {after.All - before.All} updates were heap-only");
        }
        finally
        {
            await node.StopAsync();
        }
    }

    static async Task<(long All, long Hot)> UpdatesAsync(KeelDb db)
    {
        await db.Database.ExecuteSqlRawAsync("SELECT pg_stat_clear_snapshot()");
        var row = await db.Database.SqlQueryRaw<UpdateCounts>(
            "SELECT n_tup_upd AS updated, n_tup_hot_upd AS hot_updated FROM pg_stat_user_tables WHERE relname = 'webhook_deliveries'").SingleAsync();
        return (row.Updated, row.HotUpdated);
    }

    sealed record UpdateCounts(long Updated, long HotUpdated);
}

public sealed class WorkerTests_Postgres() : WorkerTests(Provider.Postgres);
