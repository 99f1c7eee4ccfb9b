using System.Net;
using System.Text.Json;
using Keel.Jobs;
using Keel.Tests.Infrastructure;
using Keel.Tests.Keys;
using Microsoft.Extensions.DependencyInjection;

namespace Keel.Tests.Webhooks;

/// <summary>
/// Webhook secrets rotated in place by their schedule (issue 5, part 3): a node with a running dispatcher
/// and loopback receivers, on a clock the test moves; the test runs the scheduler's scans.
/// </summary>
public abstract class SecretRotationScheduleTests(Provider provider) : IAsyncLifetime
{
    // A property, not a field: DisposeAsync disposes it (CA1001 does not know IAsyncLifetime).
    FakeClockNode Clock { get; set; } = null!;

    public async Task InitializeAsync() => Clock = await FakeClockNode.StartAsync(provider, WebhookFixture.Settings());

    public async Task DisposeAsync() => await Clock.DisposeAsync();

    [Fact]
    public async Task Schedule_Timeline_NoticeThenRotationThenBothSecretsSignDuringGraceThenOnlyTheNewOne()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var tenant = await Clock.NewTenantAsync();
        var endpoint = await tenant.Owner.CreateEndpointAsync(receiver, new
        {
            signature_versions = new[] { "v1", "v2" },
            rotation = new { every_days = 5, grace_period_seconds = 3600, notify_days_before = 1 },
        });
        var id = endpoint.Str("id");
        var first = endpoint.Str("secret");
        Assert.Equal(Clock.Time.GetUtcNow().AddDays(5), endpoint.GetProperty("rotation").Time("next_rotation_at"));
        Assert.Equal(first, await SecretAsync(tenant.Owner, id));
        var scheduler = Clock.Node.Services.GetRequiredService<RotationScheduler>();

        Clock.Time.Advance(TimeSpan.FromDays(4));
        await scheduler.RunOnceAsync(default);
        await scheduler.RunOnceAsync(default);
        var notice = Assert.Single(await RotationScheduleTests.EventsAsync(tenant.Owner, "endpoint.secret_rotation_due"));
        Assert.Equal(id, notice.Str("endpoint_id"));
        Assert.Equal(first, await SecretAsync(tenant.Owner, id));

        Clock.Time.Advance(TimeSpan.FromDays(1));
        var rotatedAt = Clock.Time.GetUtcNow();
        await scheduler.RunOnceAsync(default);
        await scheduler.RunOnceAsync(default);
        var second = await SecretAsync(tenant.Owner, id);
        Assert.NotEqual(first, second);
        var rotatedEvent = Assert.Single(await EventsAsync(tenant.Owner, "endpoint.secret_rotated"));
        var rotated = rotatedEvent.GetProperty("payload");
        Assert.True(rotated.GetProperty("scheduled").GetBoolean());
        Assert.Equal(rotatedAt.AddHours(1), rotated.Time("previous_secret_expires_at"));
        Assert.Equal(rotatedAt.AddDays(5), rotated.GetProperty("rotation").Time("next_rotation_at"));
        Assert.Equal(rotatedAt.AddDays(5), (await (await tenant.Owner.GetAsync($"/v1/webhooks/endpoints/{id}")).Json(HttpStatusCode.OK))
            .GetProperty("rotation").Time("next_rotation_at"));

        // The event reaches the endpoint itself, signed with both secrets, and carries neither.
        await tenant.Owner.WaitForDeliveryAsync(rotatedEvent.Str("id"), "succeeded");
        var announced = Assert.Single(receiver.For(rotatedEvent.Str("id")));
        AssertSignedBy(announced, first, second);
        Assert.DoesNotContain(Base64Of(first), announced.BodyText, StringComparison.Ordinal);
        Assert.DoesNotContain(Base64Of(second), announced.BodyText, StringComparison.Ordinal);

        Clock.Time.Advance(TimeSpan.FromSeconds(3599));
        var inGrace = await DeliveredAsync(tenant.Owner, receiver);
        AssertSignedBy(inGrace, first, second);

        Clock.Time.Advance(TimeSpan.FromSeconds(1));
        var afterGrace = await DeliveredAsync(tenant.Owner, receiver);
        Assert.True(StandardWebhooks.HasValidV1(afterGrace, second));
        Assert.True(StandardWebhooks.HasValidV2(afterGrace, second));
        Assert.False(StandardWebhooks.HasValidV1(afterGrace, first));
        Assert.False(StandardWebhooks.HasValidV2(afterGrace, first));
        Assert.Equal(2, afterGrace.Headers["webhook-signature"].Split(' ').Length);
    }

    [Fact]
    public async Task ManualRotation_PublishesSecretRotated_AndRestartsTheSchedule()
    {
        var tenant = await Clock.NewTenantAsync();
        var endpoint = await (await tenant.Owner.PostJson("/v1/webhooks/endpoints", new
        {
            url = "https://hooks.example.com/x",
            rotation = new { every_days = 30 },
        })).Json(HttpStatusCode.Created);
        var id = endpoint.Str("id");
        Clock.Time.Advance(TimeSpan.FromDays(2));

        var rotated = await (await tenant.Owner.PostJson($"/v1/webhooks/endpoints/{id}/secret/rotate", new { grace_period_seconds = 60 })).Json(HttpStatusCode.OK);

        Assert.Equal(rotated.Str("secret"), await SecretAsync(tenant.Owner, id));
        Assert.Equal(Clock.Time.GetUtcNow().AddDays(30), rotated.GetProperty("rotation").Time("next_rotation_at"));
        var payload = Assert.Single(await RotationScheduleTests.EventsAsync(tenant.Owner, "endpoint.secret_rotated"));
        Assert.False(payload.GetProperty("scheduled").GetBoolean());
        Assert.Equal(Clock.Time.GetUtcNow().AddSeconds(60), payload.Time("previous_secret_expires_at"));
        Assert.DoesNotContain(Base64Of(rotated.Str("secret")), payload.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Schedule_PatchSetsAndRemovesIt_AndBoundsAreTheWebhookGrace()
    {
        var tenant = await Clock.NewTenantAsync();
        var endpoint = await (await tenant.Owner.PostJson("/v1/webhooks/endpoints", new { url = "https://hooks.example.com/x" })).Json(HttpStatusCode.Created);
        var url = $"/v1/webhooks/endpoints/{endpoint.Str("id")}";
        Assert.True(endpoint.IsNull("rotation"));

        var problem = await (await tenant.Owner.PatchJson(url, new { rotation = new { every_days = 30, grace_period_seconds = 7 * 86400 + 1 } }))
            .Problem(HttpStatusCode.BadRequest, "validation.failed");
        Assert.True(problem.GetProperty("errors").TryGetProperty("rotation.grace_period_seconds", out _));

        var set = await (await tenant.Owner.PatchJson(url, new { rotation = new { every_days = 30, grace_period_seconds = 7 * 86400 } })).Json(HttpStatusCode.OK);
        Assert.Equal(7 * 86400, set.GetProperty("rotation").GetProperty("grace_period_seconds").GetInt32());
        var cleared = await (await tenant.Owner.PatchJson(url, new { rotation = (object?)null })).Json(HttpStatusCode.OK);
        Assert.True(cleared.IsNull("rotation"));

        Clock.Time.Advance(TimeSpan.FromDays(31));
        await Clock.Node.Services.GetRequiredService<RotationScheduler>().RunOnceAsync(default);
        Assert.Empty(await RotationScheduleTests.EventsAsync(tenant.Owner, "endpoint.secret_rotated"));
    }

    [Fact]
    public async Task Schedule_DisabledEndpoint_RotatesOnceEnabledAgain()
    {
        var tenant = await Clock.NewTenantAsync();
        var endpoint = await (await tenant.Owner.PostJson("/v1/webhooks/endpoints", new
        {
            url = "https://hooks.example.com/x",
            rotation = new { every_days = 2 },
        })).Json(HttpStatusCode.Created);
        var url = $"/v1/webhooks/endpoints/{endpoint.Str("id")}";
        await (await tenant.Owner.PatchJson(url, new { enabled = false })).Json(HttpStatusCode.OK);
        var scheduler = Clock.Node.Services.GetRequiredService<RotationScheduler>();

        Clock.Time.Advance(TimeSpan.FromDays(3));
        await scheduler.RunOnceAsync(default);
        Assert.Equal(endpoint.Str("secret"), await SecretAsync(tenant.Owner, endpoint.Str("id")));

        await (await tenant.Owner.PatchJson(url, new { enabled = true })).Json(HttpStatusCode.OK);
        await scheduler.RunOnceAsync(default);
        Assert.NotEqual(endpoint.Str("secret"), await SecretAsync(tenant.Owner, endpoint.Str("id")));
        Assert.Single(await RotationScheduleTests.EventsAsync(tenant.Owner, "endpoint.secret_rotated"));
    }

    [Fact]
    public async Task Secret_OtherTenant_IsNotFound()
    {
        var tenant = await Clock.NewTenantAsync();
        var other = await Clock.NewTenantAsync();
        var endpoint = await (await tenant.Owner.PostJson("/v1/webhooks/endpoints", new { url = "https://hooks.example.com/x" })).Json(HttpStatusCode.Created);

        await (await other.Owner.GetAsync($"/v1/webhooks/endpoints/{endpoint.Str("id")}/secret")).Problem(HttpStatusCode.NotFound, "resource.not_found");
        Assert.Equal(endpoint.Str("secret"), await SecretAsync(tenant.Owner, endpoint.Str("id")));
    }

    static void AssertSignedBy(ReceivedRequest request, string current, string previous)
    {
        Assert.True(StandardWebhooks.HasValidV1(request, current), request.Headers["webhook-signature"]);
        Assert.True(StandardWebhooks.HasValidV2(request, current));
        Assert.True(StandardWebhooks.HasValidV1(request, previous));
        Assert.True(StandardWebhooks.HasValidV2(request, previous));
    }

    /// <summary>Publishes an event and returns the request that delivered it.</summary>
    static async Task<ReceivedRequest> DeliveredAsync(HttpClient owner, LoopbackReceiver receiver)
    {
        var eventId = (await owner.PublishAsync("invoice.paid", new { n = 1 })).Str("id");
        await owner.WaitForDeliveryAsync(eventId, "succeeded");
        return Assert.Single(receiver.For(eventId));
    }

    static async Task<string> SecretAsync(HttpClient owner, string endpointId) =>
        (await (await owner.GetAsync($"/v1/webhooks/endpoints/{endpointId}/secret")).Json(HttpStatusCode.OK)).Str("secret");

    static string Base64Of(string secret) => secret["whsec_".Length..];

    static async Task<JsonElement[]> EventsAsync(HttpClient owner, string type)
    {
        var page = await (await owner.GetAsync($"/v1/events?type={type}")).Json(HttpStatusCode.OK);
        return [.. page.GetProperty("data").EnumerateArray().Reverse()];
    }
}

public sealed class SecretRotationScheduleTests_Sqlite() : SecretRotationScheduleTests(Provider.Sqlite);

public sealed class SecretRotationScheduleTests_Postgres() : SecretRotationScheduleTests(Provider.Postgres);
