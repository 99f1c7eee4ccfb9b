using System.Net;
using Keel.Events;
using Keel.Tests.Infrastructure;

namespace Keel.Tests.Webhooks;

/// <summary>Keel's own namespaces are reserved in any letter case: no tenant publishes <c>KEY.revoked</c> in Keel's name.</summary>
public abstract class ReservedEventTypesTests(KeelFixture fixture)
{
    [Theory]
    [InlineData("key.created")]
    [InlineData("Key.Created")]
    [InlineData("KEY.revoked")]
    [InlineData("Endpoint.disabled")]
    [InlineData("QUOTA.exhausted")]
    [InlineData("Anomaly.Detected")]
    [InlineData("KeEl.anything")]
    public async Task ReservedNamespace_AnyCase_IsRefusedToPublishAndToDeclare(string type)
    {
        var tenant = await fixture.NewTenantAsync();

        var published = await (await tenant.Owner.PostJson("/v1/events", new { type, payload = new { } })).Problem(HttpStatusCode.BadRequest, "validation.failed");
        Assert.True(published.GetProperty("errors").TryGetProperty("type", out _));
        var declared = await (await tenant.Owner.PostJson("/v1/event-types", new { name = type })).Problem(HttpStatusCode.BadRequest, "validation.failed");
        Assert.True(declared.GetProperty("errors").TryGetProperty("name", out _));
        Assert.Empty((await (await tenant.Owner.GetAsync("/v1/events")).Json(HttpStatusCode.OK)).GetProperty("data").EnumerateArray());
    }

    [Theory]
    [InlineData("Invoice.Paid")]
    [InlineData("keys.created")] // another word that starts alike
    [InlineData("monkey.created")]
    public async Task OwnNamespace_MixedCase_IsPublished(string type)
    {
        var tenant = await fixture.NewTenantAsync();

        var published = await (await tenant.Owner.PostJson("/v1/events", new { type, payload = new { } })).Json(HttpStatusCode.Accepted);

        Assert.Equal(type, published.Str("type"));
        Assert.False(EventTypeNames.IsReserved(type));
    }
}

public sealed class ReservedEventTypesTests_Sqlite(SqliteFixture f) : ReservedEventTypesTests(f), IClassFixture<SqliteFixture>;

public sealed class ReservedEventTypesTests_Postgres(PostgresFixture f) : ReservedEventTypesTests(f), IClassFixture<PostgresFixture>;
