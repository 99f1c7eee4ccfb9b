using System.Net;
using System.Text;
using System.Text.Json;
using Keel.Tests.Infrastructure;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;

namespace Keel.Tests.Webhooks;

/// <summary>Endpoints, their secrets and signature versions, and the event-type catalog.</summary>
public abstract class EndpointsApiTests(WebhookFixture fixture)
{
    [Fact]
    public async Task Endpoint_CreateReadUpdateDelete_SecretShownOnce()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var tenant = await fixture.NewTenantAsync();
        var created = await tenant.Owner.CreateEndpointAsync(receiver, new { description = "billing", event_types = new[] { "invoice.*" }, rate_limit_per_second = 50 });
        var id = created.Str("id");
        Assert.StartsWith("ep_", id, StringComparison.Ordinal);
        Assert.Equal(["v1"], created.Strings("signature_versions"));
        Assert.True(created.GetProperty("enabled").GetBoolean());
        Assert.False(created.GetProperty("ordered").GetBoolean());

        var read = await (await tenant.Owner.GetAsync($"/v1/webhooks/endpoints/{id}")).Json(HttpStatusCode.OK);
        Assert.False(read.TryGetProperty("secret", out _));
        Assert.DoesNotContain(created.Str("secret"), read.GetRawText(), StringComparison.Ordinal);
        Assert.Equal("billing", read.Str("description"));
        Assert.Equal(50, read.GetProperty("rate_limit_per_second").GetInt32());
        Assert.Equal([id], (await (await tenant.Owner.GetAsync("/v1/webhooks/endpoints")).Json(HttpStatusCode.OK)).Ids());

        var patched = await (await tenant.Owner.PatchJson($"/v1/webhooks/endpoints/{id}",
            new { event_types = (string[]?)null, ordered = true, rate_limit_per_second = (int?)null, signature_versions = new[] { "v1", "v2" } })).Json(HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.Null, patched.GetProperty("event_types").ValueKind);
        Assert.True(patched.GetProperty("ordered").GetBoolean());
        Assert.Equal(JsonValueKind.Null, patched.GetProperty("rate_limit_per_second").ValueKind);
        Assert.Equal("billing", patched.Str("description"));
        Assert.Equal(["v1", "v2"], patched.Strings("signature_versions"));

        Assert.Equal(HttpStatusCode.NoContent, (await tenant.Owner.DeleteAsync($"/v1/webhooks/endpoints/{id}")).StatusCode);
        await (await tenant.Owner.GetAsync($"/v1/webhooks/endpoints/{id}")).Problem(HttpStatusCode.NotFound, "resource.not_found");
    }

    [Theory]
    [InlineData("http://10.0.0.1/hook")]
    [InlineData("https://169.254.169.254/latest/meta-data")]
    [InlineData("http://[::1]/hook")]
    [InlineData("http://[::ffff:192.168.1.1]/hook")]
    [InlineData("http://[fd00::1]/hook")]
    public async Task Create_LiteralForbiddenAddress_IsRefused(string url)
    {
        var tenant = await fixture.NewTenantAsync();
        await (await tenant.Owner.PostJson("/v1/webhooks/endpoints", new { url })).Problem(HttpStatusCode.BadRequest, "webhooks.destination_forbidden");
        Assert.Empty((await (await tenant.Owner.GetAsync("/v1/webhooks/endpoints")).Json(HttpStatusCode.OK)).Ids());
    }

    [Theory]
    [InlineData("""{"url":"not a url"}""", "url")]
    [InlineData("""{"url":"ftp://example.com/x"}""", "url")]
    [InlineData("""{"url":"https://example.com/x","signature_versions":["v9"]}""", "signature_versions")]
    [InlineData("""{"url":"https://example.com/x","signature_versions":[]}""", "signature_versions")]
    [InlineData("""{"url":"https://example.com/x","event_types":["bad type"]}""", "event_types")]
    [InlineData("""{"url":"https://example.com/x","event_types":[]}""", "event_types")]
    [InlineData("""{"url":"https://example.com/x","rate_limit_per_second":0}""", "rate_limit_per_second")]
    public async Task Create_InvalidField_IsNamed(string body, string field)
    {
        var tenant = await fixture.NewTenantAsync();
        var problem = await (await tenant.Owner.PostRaw("/v1/webhooks/endpoints", body)).Problem(HttpStatusCode.BadRequest, "validation.failed");
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.GetRawText());
    }

    [Theory]
    [InlineData("""{"url":"https://example.com/x","colour":"red"}""", "validation.unknown_field")]
    [InlineData("""{"url":42}""", "validation.invalid_type")]
    [InlineData("""{"url":"https://example.com/x","ordered":"yes"}""", "validation.invalid_type")]
    [InlineData("""{"url":""", "validation.malformed_json")]
    public async Task Create_MalformedBody_IsAProblem(string body, string code)
    {
        var tenant = await fixture.NewTenantAsync();
        await (await tenant.Owner.PostRaw("/v1/webhooks/endpoints", body)).Problem(HttpStatusCode.BadRequest, code);
    }

    [Fact]
    public async Task RotateSecret_WithGrace_SignsWithBothUntilGraceEnds_WithoutGraceOnlyNew()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var tenant = await fixture.NewTenantAsync();
        var endpoint = await tenant.Owner.CreateEndpointAsync(receiver);
        var first = endpoint.Str("secret");
        var rotated = await (await tenant.Owner.PostJson($"/v1/webhooks/endpoints/{endpoint.Str("id")}/secret/rotate", new { grace_period_seconds = 3600 })).Json(HttpStatusCode.OK);
        var second = rotated.Str("secret");
        Assert.NotEqual(first, second);

        var both = (await tenant.Owner.PublishAsync("a.b", new { })).Str("id");
        await tenant.Owner.WaitForDeliveryAsync(both, "succeeded");
        var request = Assert.Single(receiver.For(both));
        Assert.Equal(2, StandardWebhooks.Entries(request, "v1").Length);
        Assert.True(StandardWebhooks.HasValidV1(request, first));
        Assert.True(StandardWebhooks.HasValidV1(request, second));

        var third = (await (await tenant.Owner.PostJson($"/v1/webhooks/endpoints/{endpoint.Str("id")}/secret/rotate", new { grace_period_seconds = 0 })).Json(HttpStatusCode.OK)).Str("secret");
        var only = (await tenant.Owner.PublishAsync("a.b", new { })).Str("id");
        await tenant.Owner.WaitForDeliveryAsync(only, "succeeded");
        var last = Assert.Single(receiver.For(only));
        Assert.Single(StandardWebhooks.Entries(last, "v1"));
        Assert.True(StandardWebhooks.HasValidV1(last, third));
        Assert.False(StandardWebhooks.HasValidV1(last, first));
        Assert.False(StandardWebhooks.HasValidV1(last, second));

        await (await tenant.Owner.PostJson($"/v1/webhooks/endpoints/{endpoint.Str("id")}/secret/rotate", new { grace_period_seconds = 8 * 86400 }))
            .Problem(HttpStatusCode.BadRequest, "validation.failed");
    }

    [Fact]
    public async Task EverySignatureVersion_VerifiesIndependently()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var tenant = await fixture.NewTenantAsync();
        var endpoint = await tenant.Owner.CreateEndpointAsync(receiver, new { signature_versions = new[] { "v1", "v2", "v1a" } });
        var publicKey = Assert.Single(endpoint.Strings("public_keys"));
        Assert.StartsWith("whpk_", publicKey, StringComparison.Ordinal);

        var eventId = (await tenant.Owner.PublishAsync("a.b", new { n = 1 })).Str("id");
        await tenant.Owner.WaitForDeliveryAsync(eventId, "succeeded");
        var request = Assert.Single(receiver.For(eventId));
        Assert.Equal(3, request.Headers["webhook-signature"].Split(' ').Length);
        Assert.True(StandardWebhooks.HasValidV1(request, endpoint.Str("secret")));
        Assert.True(StandardWebhooks.HasValidV2(request, endpoint.Str("secret")));

        var ed25519 = new Ed25519Signer();
        ed25519.Init(false, new Ed25519PublicKeyParameters(Convert.FromBase64String(publicKey["whpk_".Length..])));
        var content = Encoding.UTF8.GetBytes($"{request.Headers["webhook-id"]}.{request.Headers["webhook-timestamp"]}.{request.BodyText}");
        ed25519.BlockUpdate(content, 0, content.Length);
        Assert.True(ed25519.VerifySignature(Convert.FromBase64String(Assert.Single(StandardWebhooks.Entries(request, "v1a")))));
    }

    [Fact]
    public async Task EventTypeSchema_InvalidPayload_IsRefusedWithViolations()
    {
        var tenant = await fixture.NewTenantAsync();
        var schema = new
        {
            type = "object",
            required = new[] { "amount" },
            properties = new { amount = new { type = "integer", minimum = 0 } },
        };
        var type = await (await tenant.Owner.PostJson("/v1/event-types", new { name = "invoice.paid", description = "paid", schema })).Json(HttpStatusCode.Created);
        Assert.Equal("invoice.paid", type.Str("name"));
        var listed = await (await tenant.Owner.GetAsync("/v1/event-types")).Json(HttpStatusCode.OK);
        var names = listed.GetProperty("data").EnumerateArray().Select(t => (t.Str("name"), t.GetProperty("built_in").GetBoolean())).ToList();
        Assert.Contains(("invoice.paid", false), names);
        Assert.Contains(("key.created", true), names);

        var bad = await (await tenant.Owner.PostJson("/v1/events", new { type = "invoice.paid", payload = new { amount = "ten" } }))
            .Problem(HttpStatusCode.BadRequest, "webhooks.payload_invalid");
        Assert.Contains("/amount", bad.GetProperty("errors").GetProperty("payload")[0].GetString(), StringComparison.Ordinal);
        await (await tenant.Owner.PostJson("/v1/events", new { type = "invoice.paid", payload = new { } })).Problem(HttpStatusCode.BadRequest, "webhooks.payload_invalid");
        await tenant.Owner.PublishAsync("invoice.paid", new { amount = 10 });
        Assert.Single((await (await tenant.Owner.GetAsync("/v1/events")).Json(HttpStatusCode.OK)).Ids());

        // Replacing the type replaces its schema; other tenants never see it.
        await (await tenant.Owner.PostJson("/v1/event-types", new { name = "invoice.paid" })).Json(HttpStatusCode.OK);
        await tenant.Owner.PublishAsync("invoice.paid", new { amount = "ten" });
        var other = await fixture.NewTenantAsync();
        await (await other.Owner.GetAsync("/v1/event-types/invoice.paid")).Problem(HttpStatusCode.NotFound, "resource.not_found");
    }

    [Theory]
    [InlineData("""{"name":"invoice.paid","schema":{"type":12}}""")]
    [InlineData("""{"name":"key.created"}""")]
    [InlineData("""{"name":"has space"}""")]
    public async Task EventType_Invalid_IsRefused(string body)
    {
        var tenant = await fixture.NewTenantAsync();
        await (await tenant.Owner.PostRaw("/v1/event-types", body)).Problem(HttpStatusCode.BadRequest, "validation.failed");
    }

    [Fact]
    public async Task Publish_ReservedOrMissing_IsRefused()
    {
        var tenant = await fixture.NewTenantAsync();
        await (await tenant.Owner.PostJson("/v1/events", new { type = "key.created", payload = new { } })).Problem(HttpStatusCode.BadRequest, "validation.failed");
        await (await tenant.Owner.PostJson("/v1/events", new { type = "a.b" })).Problem(HttpStatusCode.BadRequest, "validation.failed");
        await (await tenant.Owner.PostRaw("/v1/events", """{"type":"a.b","payload":{},"extra":1}""")).Problem(HttpStatusCode.BadRequest, "validation.unknown_field");
        await (await tenant.Owner.PostRaw("/v1/events", """{"type":"a.b","payload":{},"idempotency_key":""}""")).Problem(HttpStatusCode.BadRequest, "validation.failed");
    }

    [Theory]
    [InlineData("/v1/deliveries?status=lost")]
    [InlineData("/v1/deliveries?limit=0")]
    [InlineData("/v1/events?cursor=%%%")]
    [InlineData("/v1/webhooks/endpoints?limit=x")]
    public async Task List_BadQuery_IsInvalidQuery(string url)
    {
        var tenant = await fixture.NewTenantAsync();
        await (await tenant.Owner.GetAsync(url)).Problem(HttpStatusCode.BadRequest, "validation.invalid_query");
    }

    [Fact]
    public async Task Malformed_PatchesAndPayloads_AreProblems()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var tenant = await fixture.NewTenantAsync();
        var endpoint = await tenant.Owner.CreateEndpointAsync(receiver);
        var url = $"/v1/webhooks/endpoints/{endpoint.Str("id")}";
        await (await tenant.Owner.PatchJson(url, new { enabled = (bool?)null })).Problem(HttpStatusCode.BadRequest, "validation.failed");
        await (await tenant.Owner.PatchJson(url, new { url = (string?)null })).Problem(HttpStatusCode.BadRequest, "validation.failed");
        await (await tenant.Owner.PatchJson(url, new { url = "http://192.168.0.10/x" })).Problem(HttpStatusCode.BadRequest, "webhooks.destination_forbidden");
        await (await tenant.Owner.PatchJson(url, new { signature_versions = (string[]?)null })).Problem(HttpStatusCode.BadRequest, "validation.failed");
        Assert.Equal(endpoint.Str("url"), (await (await tenant.Owner.GetAsync(url)).Json(HttpStatusCode.OK)).Str("url"));
        await (await tenant.Owner.PostRaw($"{url}/secret/rotate", "{\"grace_period_seconds\":\"soon\"}")).Problem(HttpStatusCode.BadRequest, "validation.invalid_type");

        var huge = new string('x', 300 * 1024);
        await (await tenant.Owner.PostJson("/v1/events", new { type = "a.b", payload = new { huge } })).Problem(HttpStatusCode.BadRequest, "validation.failed");
        await (await tenant.Owner.PostJson("/v1/events", new { type = "a.b", payload = new { huge = huge + huge + huge + huge } }))
            .Problem(HttpStatusCode.RequestEntityTooLarge, "validation.body_too_large");
        await (await tenant.Owner.PostRaw("/v1/deliveries/redispatch", "{\"from\":\"2026-02-01T00:00:00Z\",\"to\":\"2026-01-01T00:00:00Z\"}"))
            .Problem(HttpStatusCode.BadRequest, "validation.failed");
        await (await tenant.Owner.PostRaw("/v1/deliveries/redispatch", "{\"from\":\"yesterday\"}")).Problem(HttpStatusCode.BadRequest, "validation.invalid_type");
        Assert.Empty((await (await tenant.Owner.GetAsync("/v1/events")).Json(HttpStatusCode.OK)).Ids());
    }

    [Fact]
    public async Task Publish_SameIdempotencyKeyRacing_OneEventOneDeliveryPerEndpoint()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var tenant = await fixture.NewTenantAsync();
        await tenant.Owner.CreateEndpointAsync(receiver, path: "a");
        await tenant.Owner.CreateEndpointAsync(receiver, path: "b");

        var answers = await Task.WhenAll(Enumerable.Range(0, 16).Select(async i =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/events")
            {
                Content = JsonContent(new { type = "order.placed", payload = new { n = i } }),
            };
            request.Headers.Add("Idempotency-Key", "order-123");
            var response = await tenant.Owner.SendAsync(request);
            return await response.Json(HttpStatusCode.Accepted);
        }));
        var id = Assert.Single(answers.Select(a => a.Str("id")).Distinct());
        Assert.Equal([id], (await (await tenant.Owner.GetAsync("/v1/events")).Json(HttpStatusCode.OK)).Ids());
        Assert.Equal(2, (await tenant.Owner.DeliveriesOfAsync(id)).Length);

        // The key belongs to its tenant: another tenant's identical key makes its own event.
        var other = await fixture.NewTenantAsync();
        Assert.NotEqual(id, (await other.Owner.PublishAsync("order.placed", new { }, "order-123")).Str("id"));
        // In the body it is the same key.
        Assert.Equal(id, (await tenant.Owner.PublishAsync("order.placed", new { }, "order-123")).Str("id"));
    }

    static StringContent JsonContent(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
}

public sealed class EndpointsApiTests_Sqlite(WebhookSqliteFixture f) : EndpointsApiTests(f), IClassFixture<WebhookSqliteFixture>;

public sealed class EndpointsApiTests_Postgres(WebhookPostgresFixture f) : EndpointsApiTests(f), IClassFixture<WebhookPostgresFixture>;
