using System.Net;
using Keel.Tests.Infrastructure;

namespace Keel.Tests.Keys;

public abstract class KeyLifecycleTests(KeelFixture fixture)
{
    [Fact]
    public async Task Create_Verify_Revoke_Verify_ReturnsValidThenRevoked()
    {
        var tenant = await fixture.NewTenantAsync();
        var created = await (await tenant.Owner.PostJson("/v1/keys", new { name = "Customer 42", prefix = "acme_live", owner_id = "cus_42", scopes = new[] { "invoices:read" }, meta = new { plan = "gold" } }))
            .Json(HttpStatusCode.Created);
        var secret = created.Str("key");
        Assert.StartsWith("acme_live_", secret, StringComparison.Ordinal);
        Assert.Equal(secret[..14], created.Str("start"));

        var valid = await (await tenant.Owner.PostJson("/v1/keys/verify", new { key = secret, scopes = new[] { "invoices:read" } })).Json(HttpStatusCode.OK);
        Assert.True(valid.GetProperty("valid").GetBoolean());
        Assert.Equal("VALID", valid.Str("code"));
        Assert.Equal(created.Str("id"), valid.Str("key_id"));
        Assert.Equal("cus_42", valid.Str("owner_id"));
        Assert.Equal("gold", valid.GetProperty("meta").Str("plan"));

        Assert.Equal(HttpStatusCode.NoContent, (await tenant.Owner.DeleteAsync($"/v1/keys/{created.Str("id")}")).StatusCode);

        var revoked = await (await tenant.Owner.PostJson("/v1/keys/verify", new { key = secret })).Json(HttpStatusCode.OK);
        Assert.False(revoked.GetProperty("valid").GetBoolean());
        Assert.Equal("REVOKED", revoked.Str("code"));
    }
}

public sealed class KeyLifecycleTests_Sqlite(SqliteFixture f) : KeyLifecycleTests(f), IClassFixture<SqliteFixture>;

public sealed class KeyLifecycleTests_Postgres(PostgresFixture f) : KeyLifecycleTests(f), IClassFixture<PostgresFixture>;
