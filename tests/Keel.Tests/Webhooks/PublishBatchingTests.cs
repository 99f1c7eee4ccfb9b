using System.Net;
using Keel.Tests.Infrastructure;
using Keel.Webhooks.Publishing;
using Microsoft.Extensions.DependencyInjection;

namespace Keel.Tests.Webhooks;

/// <summary>
/// Publishes of several tenants written in one transaction: each still gets its own answer (its event, or the replay
/// of the event holding its idempotency key), each tenant's events reach only its own endpoints, and schemas are
/// checked in the request, never in the shared writer, which defers a publish not checked against its type's schema.
/// </summary>
public abstract class PublishBatchingTests(WebhookFixture fixture)
{
    static readonly object Schema = new
    {
        type = "object",
        required = new[] { "amount" },
        properties = new { amount = new { type = "integer" } },
    };

    [Fact]
    public async Task OneBatch_MixedTenantsAndKeys_EachPublishGetsItsOwnAnswer()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var (a, b) = await TwoTenantsAsync(receiver);
        var held = await a.Owner.PublishAsync("invoice.paid", new { amount = 1 }, "held");

        var batch = new List<PendingPublish>
        {
            Pending(a, "{\"amount\":2}", "k"),
            Pending(a, "{\"amount\":3}", "k"), // the same key in the same batch: the first one's event
            Pending(b, "{\"amount\":\"ten\"}", "k"), // tenant b: the same key is its own, and its type has no schema
            Pending(a, "{\"amount\":4}", "held"), // a key committed before: that event
            Pending(b, "{\"amount\":5}", "held"), // the key is a's, not b's
            Pending(a, "{\"amount\":6}", null),
        };
        var writer = fixture.Node.Services.GetRequiredService<PublishBatch>();
        await writer.WriteAsync(batch, CancellationToken.None);
        var first = await Task.WhenAll(batch.Select(p => p.Outcome));

        // a's type has a schema these publishes were not checked against: deferred with that schema, and so is the
        // repeat of a deferred key; the held key replays whatever the schema; b's publishes are written.
        Assert.All(new[] { 0, 1, 5 }, i => Assert.True(first[i].Deferred && first[i].Schema!.Contains("amount", StringComparison.Ordinal)));
        Assert.Equal(held.Str("id"), first[3].Event!.Id);
        Assert.True(first[3].Replayed);
        Assert.Equal(b.Id, first[2].Event!.TenantId);
        Assert.False(first[4].Replayed);
        Assert.Equal(b.Id, first[4].Event!.TenantId);

        // Checked against it, they are written; the second of one key is a repeat of the first.
        var again = new[] { 0, 1, 5 }.Select(i => batch[i].CheckedAgainst(first[i].Schema)).ToList();
        await writer.WriteAsync(again, CancellationToken.None);
        var second = await Task.WhenAll(again.Select(p => p.Outcome));
        PublishOutcome[] outcomes = [second[0], second[1], first[2], first[3], first[4], second[2]];

        Assert.Equal(outcomes[0].Event!.Id, outcomes[1].Event!.Id);
        Assert.False(outcomes[0].Replayed);
        Assert.True(outcomes[1].Replayed);
        Assert.NotEqual(outcomes[0].Event!.Id, outcomes[2].Event!.Id);
        Assert.False(outcomes[5].Replayed);

        // A check against a schema that has changed since is deferred again.
        var stale = Pending(a, "{\"amount\":8}", null).CheckedAgainst("{}");
        await writer.WriteAsync([stale], CancellationToken.None);
        Assert.Equal(first[0].Schema, (await stale.Outcome).Schema);

        // a has two endpoints and b one: every new event got a delivery on each endpoint of its own tenant only.
        string[] aEvents = [held.Str("id"), outcomes[0].Event!.Id, outcomes[5].Event!.Id];
        string[] bEvents = [outcomes[2].Event!.Id, outcomes[4].Event!.Id];
        Assert.Equal([.. aEvents.Order(StringComparer.Ordinal)], (await EventIdsAsync(a)).Order(StringComparer.Ordinal));
        Assert.Equal([.. bEvents.Order(StringComparer.Ordinal)], (await EventIdsAsync(b)).Order(StringComparer.Ordinal));
        foreach (var id in aEvents)
        {
            Assert.Equal(2, (await a.Owner.DeliveriesOfAsync(id)).Length);
        }
        foreach (var id in bEvents)
        {
            Assert.Single(await b.Owner.DeliveriesOfAsync(id));
            await (await a.Owner.GetAsync($"/v1/events/{id}")).Problem(HttpStatusCode.NotFound, "resource.not_found");
        }
    }

    [Fact]
    public async Task ConcurrentPublishes_OfTwoTenants_EachAnsweredAsIfAlone()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var (a, b) = await TwoTenantsAsync(receiver);

        var answers = await Task.WhenAll(Enumerable.Range(0, 60).Select(async i =>
        {
            var tenant = i % 2 == 0 ? a : b;
            object payload = i % 3 == 0 ? new { amount = "ten" } : new { amount = i };
            var key = i % 5 <= 1 ? "shared" : null; // both tenants, valid and invalid payloads
            var response = await tenant.Owner.PostJson("/v1/events", key is null
                ? new { type = "invoice.paid", payload }
                : new { type = "invoice.paid", payload, idempotency_key = key });
            return (Tenant: tenant, Invalid: tenant == a && i % 3 == 0, Key: key, Response: response);
        }));

        var accepted = new Dictionary<TestTenant, List<(string Id, string? Key)>> { [a] = [], [b] = [] };
        foreach (var (tenant, invalid, key, response) in answers)
        {
            if (invalid && key is null)
            {
                await response.Problem(HttpStatusCode.BadRequest, "webhooks.payload_invalid");
                continue;
            }
            if (invalid)
            {
                // A keyed publish whose payload is invalid is refused, unless a valid one took the key first.
                if (response.StatusCode == HttpStatusCode.BadRequest)
                {
                    await response.Problem(HttpStatusCode.BadRequest, "webhooks.payload_invalid");
                    continue;
                }
            }
            accepted[tenant].Add(((await response.Json(HttpStatusCode.Accepted)).Str("id"), key));
        }
        foreach (var tenant in new[] { a, b })
        {
            var shared = accepted[tenant].Where(x => x.Key is not null).Select(x => x.Id).Distinct().ToArray();
            Assert.True(shared.Length <= 1, $"one event holds the key 'shared' of {tenant.Slug}, not {shared.Length}");
            var stored = await EventIdsAsync(tenant);
            Assert.Equal(accepted[tenant].Select(x => x.Id).Distinct().Order(StringComparer.Ordinal), stored.Order(StringComparer.Ordinal));
            var endpoints = tenant == a ? 2 : 1;
            foreach (var id in stored)
            {
                Assert.Equal(endpoints, (await tenant.Owner.DeliveriesOfAsync(id)).Length);
            }
        }
    }

    [Fact]
    public async Task Publishes_WhileTheSchemaFlips_AreEachCheckedAgainstOneSchemaOrConflict()
    {
        var tenant = await fixture.NewTenantAsync();
        object Integer() => new { type = "object", required = new[] { "amount" }, properties = new { amount = new { type = "integer" } } };
        object Text() => new { type = "object", required = new[] { "amount" }, properties = new { amount = new { type = "string" } } };
        await (await tenant.Owner.PostJson("/v1/event-types", new { name = "invoice.paid", schema = Integer() })).Json(HttpStatusCode.Created);

        using var stop = new CancellationTokenSource();
        var flips = Task.Run(async () =>
        {
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                using var replaced = await tenant.Owner.PostJson("/v1/event-types", new { name = "invoice.paid", schema = n % 2 == 0 ? Text() : Integer() });
                Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
            }
        });
        var answers = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => tenant.Owner.PostJson("/v1/events", new
        {
            type = "invoice.paid",
            payload = i % 2 == 0 ? new { amount = (object)i } : new { amount = (object)$"{i}" },
        })));
        await stop.CancelAsync();
        await flips;

        // A payload passes one of the two schemas and fails the other: each answer is an event, a refusal by the schema
        // of the moment, or (the schema changed at every try) a conflict; never an error.
        foreach (var answer in answers)
        {
            Assert.True(answer.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.BadRequest or HttpStatusCode.Conflict, answer.StatusCode.ToString());
            if (answer.StatusCode != HttpStatusCode.Accepted)
            {
                await answer.Problem(answer.StatusCode, answer.StatusCode == HttpStatusCode.Conflict ? "resource.conflict" : "webhooks.payload_invalid");
            }
        }
        Assert.Equal(answers.Count(a => a.StatusCode == HttpStatusCode.Accepted), (await EventIdsAsync(tenant)).Length);
    }

    [Fact]
    public async Task BatchPublish_WritesAllInOrder_ReplaysHeldKeys()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var (a, _) = await TwoTenantsAsync(receiver);
        var held = await a.Owner.PublishAsync("invoice.paid", new { amount = 1 }, "held");
        object[] events =
        [
            new { type = "invoice.paid", payload = new { amount = 2 }, idempotency_key = "k" },
            new { type = "order.placed", payload = new[] { 1, 2 } },
            new { type = "invoice.paid", payload = new { amount = 3 }, idempotency_key = "k" },
            new { type = "invoice.paid", payload = new { amount = 4 }, idempotency_key = "held" },
        ];
        var data = (await (await a.Owner.PostJson("/v1/events/batch", new { events })).Json(HttpStatusCode.OK)).GetProperty("data");

        Assert.Equal(4, data.GetArrayLength());
        Assert.Equal(["invoice.paid", "order.placed", "invoice.paid", "invoice.paid"], data.EnumerateArray().Select(e => e.Str("type")));
        Assert.Equal([false, false, true, true], data.EnumerateArray().Select(e => e.GetProperty("replayed").GetBoolean()));
        Assert.Equal(data[0].Str("id"), data[2].Str("id"));
        Assert.Equal(held.Str("id"), data[3].Str("id"));
        Assert.Equal("[1,2]", data[1].GetProperty("payload").GetRawText());
        Assert.Equal(3, (await EventIdsAsync(a)).Length);
        Assert.Equal(2, (await a.Owner.DeliveriesOfAsync(data[1].Str("id"))).Length);

        // The same batch again creates nothing and answers with the same events.
        var again = (await (await a.Owner.PostJson("/v1/events/batch", new { events = new[] { events[0], events[3] } })).Json(HttpStatusCode.OK)).GetProperty("data");
        Assert.Equal([data[0].Str("id"), held.Str("id")], again.EnumerateArray().Select(e => e.Str("id")));
        Assert.All(again.EnumerateArray(), e => Assert.True(e.GetProperty("replayed").GetBoolean()));
        Assert.Equal(3, (await EventIdsAsync(a)).Length);

        // A repeat answers with the event its key holds even when the payload no longer passes the schema, alone or in a batch.
        Assert.Equal(held.Str("id"), (await a.Owner.PublishAsync("invoice.paid", new { amount = "ten" }, "held")).Str("id"));
        var repeats = (await (await a.Owner.PostJson("/v1/events/batch", new
        {
            events = new object[]
            {
                new { type = "invoice.paid", payload = new { amount = 7 }, idempotency_key = "fresh" },
                new { type = "invoice.paid", payload = new { amount = "ten" }, idempotency_key = "fresh" },
            },
        })).Json(HttpStatusCode.OK)).GetProperty("data");
        Assert.Equal(repeats[0].Str("id"), repeats[1].Str("id"));
        Assert.Equal(4, (await EventIdsAsync(a)).Length);
    }

    [Fact]
    public async Task BatchPublish_OnePayloadBreaksItsSchema_NothingIsWritten()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var (a, _) = await TwoTenantsAsync(receiver);
        var problem = await (await a.Owner.PostJson("/v1/events/batch", new
        {
            events = new object[]
            {
                new { type = "invoice.paid", payload = new { amount = 2 }, idempotency_key = "k" },
                new { type = "order.placed", payload = new { } },
                new { type = "invoice.paid", payload = new { amount = "ten" } },
            },
        })).Problem(HttpStatusCode.BadRequest, "webhooks.payload_invalid");
        var errors = problem.GetProperty("errors");
        Assert.Equal(["events[2].payload"], errors.EnumerateObject().Select(e => e.Name));
        Assert.Contains("/amount", errors.GetProperty("events[2].payload")[0].GetString(), StringComparison.Ordinal);
        Assert.Empty(await EventIdsAsync(a));
        // The key was not taken by the refused batch.
        Assert.False((await (await a.Owner.PostJson("/v1/events/batch", new
        {
            events = new[] { new { type = "invoice.paid", payload = new { amount = 2 }, idempotency_key = "k" } },
        })).Json(HttpStatusCode.OK)).GetProperty("data")[0].GetProperty("replayed").GetBoolean());
    }

    [Theory]
    [InlineData("""{"events":[]}""", "events")]
    [InlineData("""{"events":"invoice.paid"}""", null)] // wrong JSON type
    [InlineData("""{}""", "events")]
    [InlineData("""{"events":[null]}""", "events[0]")]
    [InlineData("""{"events":[{"type":"a.b","payload":1},{"payload":1}]}""", "events[1].type")]
    [InlineData("""{"events":[{"type":"key.created","payload":{}}]}""", "events[0].type")]
    [InlineData("""{"events":[{"type":"a.b"}]}""", "events[0].payload")]
    [InlineData("""{"events":[{"type":"a.b","payload":{},"idempotency_key":""}]}""", "events[0].idempotency_key")]
    public async Task BatchPublish_Malformed_IsAProblemNamingTheField(string body, string? field)
    {
        var tenant = await fixture.NewTenantAsync();
        var response = await tenant.Owner.PostRaw("/v1/events/batch", body);
        var problem = await response.Problem(HttpStatusCode.BadRequest, field is null ? "validation.invalid_type" : "validation.failed");
        if (field is not null)
        {
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.GetRawText());
        }
        Assert.Empty(await EventIdsAsync(tenant));
    }

    [Fact]
    public async Task BatchPublish_MoreThan100OrABatchKey_IsRefused()
    {
        var tenant = await fixture.NewTenantAsync();
        var events = Enumerable.Range(0, 101).Select(i => new { type = "a.b", payload = i }).ToArray();
        await (await tenant.Owner.PostJson("/v1/events/batch", new { events })).Problem(HttpStatusCode.BadRequest, "validation.failed");

        using var keyed = new HttpRequestMessage(HttpMethod.Post, "/v1/events/batch")
        {
            Content = new StringContent("""{"events":[{"type":"a.b","payload":1}]}""", System.Text.Encoding.UTF8, "application/json"),
        };
        keyed.Headers.Add("Idempotency-Key", "whole-batch");
        await (await tenant.Owner.SendAsync(keyed)).Problem(HttpStatusCode.BadRequest, "validation.failed");
        Assert.Empty(await EventIdsAsync(tenant));

        var hundred = events[..100];
        Assert.Equal(100, (await (await tenant.Owner.PostJson("/v1/events/batch", new { events = hundred })).Json(HttpStatusCode.OK)).GetProperty("data").GetArrayLength());
    }

    /// <summary>Tenant a: type invoice.paid with a schema, two endpoints. Tenant b: the same type without a schema, one endpoint.</summary>
    async Task<(TestTenant A, TestTenant B)> TwoTenantsAsync(LoopbackReceiver receiver)
    {
        var a = await fixture.NewTenantAsync();
        var b = await fixture.NewTenantAsync();
        await (await a.Owner.PostJson("/v1/event-types", new { name = "invoice.paid", schema = Schema })).Json(HttpStatusCode.Created);
        await (await b.Owner.PostJson("/v1/event-types", new { name = "invoice.paid" })).Json(HttpStatusCode.Created);
        await a.Owner.CreateEndpointAsync(receiver, path: "a1");
        await a.Owner.CreateEndpointAsync(receiver, path: "a2");
        await b.Owner.CreateEndpointAsync(receiver, path: "b1");
        return (a, b);
    }

    static PendingPublish Pending(TestTenant tenant, string payload, string? key) => new(tenant.Id, "invoice.paid", payload, key);

    static async Task<string[]> EventIdsAsync(TestTenant tenant) =>
        (await (await tenant.Owner.GetAsync("/v1/events?limit=100")).Json(HttpStatusCode.OK)).Ids();
}

public sealed class PublishBatchingTests_Sqlite(WebhookSqliteFixture f) : PublishBatchingTests(f), IClassFixture<WebhookSqliteFixture>;

public sealed class PublishBatchingTests_Postgres(WebhookPostgresFixture f) : PublishBatchingTests(f), IClassFixture<WebhookPostgresFixture>;
