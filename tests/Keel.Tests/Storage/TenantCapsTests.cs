using System.Net;
using Keel.Tests.Infrastructure;

namespace Keel.Tests.Storage;

/// <summary>
/// Per-tenant caps on webhook endpoints and event types, taken atomically: concurrent creates never pass a cap
/// (the issue: 16 concurrent creates passed the 1,000 event-type cap by 12).
/// </summary>
public abstract class TenantCapsTests(CapsFixture fixture)
{
    const int Racers = 24;

    [Fact]
    public async Task CreateEndpoints_ConcurrentlyPastTheCap_LeaveExactlyTheCap()
    {
        var tenant = await fixture.NewTenantAsync();

        var statuses = await Concurrently(i => tenant.Owner.PostJson("/v1/webhooks/endpoints", new { url = $"https://example.com/hooks/{i}" }));

        Assert.Equal(CapsFixture.Cap, statuses.Count(s => s == HttpStatusCode.Created));
        Assert.Equal(Racers - CapsFixture.Cap, statuses.Count(s => s == HttpStatusCode.Conflict));
        var listed = await (await tenant.Owner.GetAsync("/v1/webhooks/endpoints?limit=200")).Json(HttpStatusCode.OK);
        Assert.Equal(CapsFixture.Cap, listed.Ids().Length);

        var refused = await (await tenant.Owner.PostJson("/v1/webhooks/endpoints", new { url = "https://example.com/one-more" }))
            .Problem(HttpStatusCode.Conflict, "resource.limit_reached");
        Assert.Equal(CapsFixture.Cap, refused.GetProperty("limit").GetInt32());
        // The cap is the tenant's own: another tenant creates freely, and a deletion makes room.
        var other = await fixture.NewTenantAsync();
        await (await other.Owner.PostJson("/v1/webhooks/endpoints", new { url = "https://example.com/other" })).Json(HttpStatusCode.Created);
        Assert.Equal(HttpStatusCode.NoContent, (await tenant.Owner.DeleteAsync($"/v1/webhooks/endpoints/{listed.Ids()[0]}")).StatusCode);
        await (await tenant.Owner.PostJson("/v1/webhooks/endpoints", new { url = "https://example.com/again" })).Json(HttpStatusCode.Created);
    }

    [Fact]
    public async Task CreateEventTypes_ConcurrentlyPastTheCap_LeaveExactlyTheCap()
    {
        var tenant = await fixture.NewTenantAsync();

        var statuses = await Concurrently(i => tenant.Owner.PostJson("/v1/event-types", new { name = $"race.type{i}" }));

        Assert.Equal(CapsFixture.Cap, statuses.Count(s => s == HttpStatusCode.Created));
        Assert.Equal(Racers - CapsFixture.Cap, statuses.Count(s => s == HttpStatusCode.Conflict));
        var listed = await (await tenant.Owner.GetAsync("/v1/event-types?limit=200")).Json(HttpStatusCode.OK);
        var own = listed.GetProperty("data").EnumerateArray().Where(t => !t.GetProperty("built_in").GetBoolean()).Select(t => t.Str("name")).ToList();
        Assert.Equal(CapsFixture.Cap, own.Count);

        await (await tenant.Owner.PostJson("/v1/event-types", new { name = "one.more" })).Problem(HttpStatusCode.Conflict, "resource.limit_reached");
        // Replacing a type the tenant has is no new type: it is not refused at the cap.
        await (await tenant.Owner.PostJson("/v1/event-types", new { name = own[0], description = "replaced" })).Json(HttpStatusCode.OK);
        var other = await fixture.NewTenantAsync();
        await (await other.Owner.PostJson("/v1/event-types", new { name = "one.more" })).Json(HttpStatusCode.Created);
    }

    static Task<HttpStatusCode[]> Concurrently(Func<int, Task<HttpResponseMessage>> create) =>
        Infrastructure.Concurrently.RunAsync(Racers, async i =>
        {
            using var response = await create(i);
            return response.StatusCode;
        });
}

/// <summary>A node whose tenants may hold <see cref="Cap"/> endpoints and <see cref="Cap"/> event types.</summary>
public abstract class CapsFixture(Provider provider) : KeelFixture(provider, new Dictionary<string, string?>
{
    ["Webhooks:DispatcherEnabled"] = "false",
    ["Tenants:MaxWebhookEndpoints"] = $"{Cap}",
    ["Tenants:MaxEventTypes"] = $"{Cap}",
})
{
    public const int Cap = 10;
}

public sealed class SqliteCapsFixture() : CapsFixture(Provider.Sqlite);

public sealed class PostgresCapsFixture() : CapsFixture(Provider.Postgres);

public sealed class TenantCapsTests_Sqlite(SqliteCapsFixture f) : TenantCapsTests(f), IClassFixture<SqliteCapsFixture>;

public sealed class TenantCapsTests_Postgres(PostgresCapsFixture f) : TenantCapsTests(f), IClassFixture<PostgresCapsFixture>;
