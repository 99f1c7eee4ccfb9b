using System.Net;
using Keel.Tests.Infrastructure;

namespace Keel.Tests.Keys;

/// <summary>Expiry on a clock the test moves: each test runs its own node (<see cref="FakeClockNode"/>).</summary>
public abstract class KeyExpiryTests(KeelFixture fixture)
{
    [Fact]
    public async Task Verify_KeyPastExpiresAt_ReturnsExpired()
    {
        await using var node = await FakeClockNode.StartAsync(fixture.Provider);
        var tenant = await node.NewTenantAsync();
        var expires = node.Now.AddHours(1);
        var created = await tenant.Owner.CreateKeyAsync(new { name = "k", expires_at = expires });
        var secret = created.Str("key");

        node.Time.Advance(TimeSpan.FromHours(1) - TimeSpan.FromSeconds(1));
        Assert.Equal("VALID", (await tenant.Owner.VerifyAsync(secret)).Code());
        Assert.Equal("active", (await tenant.Owner.GetKeyAsync(created.Str("id"))).Str("status"));

        node.Time.Advance(TimeSpan.FromSeconds(1)); // expires_at itself is already expired
        var expired = await tenant.Owner.VerifyAsync(secret);
        Assert.Equal("EXPIRED", expired.Code());
        Assert.Equal(created.Str("id"), expired.Str("key_id"));
        Assert.Equal(expires, expired.Time("expires_at"));
        Assert.Equal("expired", (await tenant.Owner.GetKeyAsync(created.Str("id"))).Str("status"));
    }

    [Fact]
    public async Task Patch_ExpiredKey_Returns409KeyNotActive()
    {
        await using var node = await FakeClockNode.StartAsync(fixture.Provider);
        var tenant = await node.NewTenantAsync();
        var created = await tenant.Owner.CreateKeyAsync(new { name = "k", expires_at = node.Now.AddMinutes(5) });
        var id = created.Str("id");
        node.Time.Advance(TimeSpan.FromMinutes(6));

        // Not even to extend it: an expired key stays expired.
        await (await tenant.Owner.PatchJson($"/v1/keys/{id}", new { expires_at = (DateTimeOffset?)null }))
            .Problem(HttpStatusCode.Conflict, "resource.key_not_active");
        await (await tenant.Owner.PostJson($"/v1/keys/{id}/rotate", new { grace_period_seconds = 60 }))
            .Problem(HttpStatusCode.Conflict, "resource.key_not_active");
        Assert.Equal("EXPIRED", (await tenant.Owner.VerifyAsync(created.Str("key"))).Code());

        // Revoking it still works, and revocation wins over expiry.
        Assert.Equal(HttpStatusCode.NoContent, (await tenant.Owner.DeleteAsync($"/v1/keys/{id}")).StatusCode);
        Assert.Equal("REVOKED", (await tenant.Owner.VerifyAsync(created.Str("key"))).Code());
        Assert.Equal("revoked", (await tenant.Owner.GetKeyAsync(id)).Str("status"));
    }

    [Fact]
    public async Task Patch_ExpiresAtNullBeforeExpiry_KeyOutlivesItsOldExpiry()
    {
        await using var node = await FakeClockNode.StartAsync(fixture.Provider);
        var tenant = await node.NewTenantAsync();
        var created = await tenant.Owner.CreateKeyAsync(new { name = "k", expires_at = node.Now.AddHours(1) });
        Assert.Equal("VALID", (await tenant.Owner.VerifyAsync(created.Str("key"))).Code()); // cached with its expiry

        (await tenant.Owner.PatchJson($"/v1/keys/{created.Str("id")}", new { expires_at = (DateTimeOffset?)null })).EnsureSuccessStatusCode();
        node.Time.Advance(TimeSpan.FromDays(3));

        var verify = await tenant.Owner.VerifyAsync(created.Str("key"));
        Assert.Equal("VALID", verify.Code());
        Assert.True(verify.IsNull("expires_at"));
    }

    [Fact]
    public async Task Patch_EarlierExpiry_TakesEffectAtVerify()
    {
        await using var node = await FakeClockNode.StartAsync(fixture.Provider);
        var tenant = await node.NewTenantAsync();
        var created = await tenant.Owner.CreateKeyAsync(new { name = "k" });
        Assert.Equal("VALID", (await tenant.Owner.VerifyAsync(created.Str("key"))).Code());

        var expires = node.Now.AddMinutes(10);
        (await tenant.Owner.PatchJson($"/v1/keys/{created.Str("id")}", new { expires_at = expires })).EnsureSuccessStatusCode();
        node.Time.Advance(TimeSpan.FromMinutes(10));

        Assert.Equal("EXPIRED", (await tenant.Owner.VerifyAsync(created.Str("key"))).Code());
    }

    [Fact]
    public async Task ManagementKey_PastExpiresAt_Returns401KeyExpired()
    {
        await using var node = await FakeClockNode.StartAsync(fixture.Provider);
        var tenant = await node.NewTenantAsync();
        var created = await tenant.Owner.CreateKeyAsync(new { kind = "management", name = "temp", role = "developer", expires_at = node.Now.AddHours(2) });
        using var client = node.Node.ClientWith(created.Str("key"));
        (await client.GetAsync("/v1/keys")).EnsureSuccessStatusCode();

        node.Time.Advance(TimeSpan.FromHours(2));

        await (await client.GetAsync("/v1/keys")).Problem(HttpStatusCode.Unauthorized, "auth.key_expired");
        await (await client.PostJson("/v1/keys/verify", new { key = "key_x" })).Problem(HttpStatusCode.Unauthorized, "auth.key_expired");
        Assert.Equal("expired", (await tenant.Owner.GetKeyAsync(created.Str("id"))).Str("status"));
    }
}

public sealed class KeyExpiryTests_Sqlite(SqliteFixture f) : KeyExpiryTests(f), IClassFixture<SqliteFixture>;

public sealed class KeyExpiryTests_Postgres(PostgresFixture f) : KeyExpiryTests(f), IClassFixture<PostgresFixture>;
