using System.Net;
using Keel.Storage;
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

    [Fact]
    public async Task Create_ClientKey_ReturnsSecretOnceWithActiveView()
    {
        var tenant = await fixture.NewTenantAsync();
        var expires = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddDays(7).ToUnixTimeSeconds());
        var response = await tenant.Owner.PostJson("/v1/keys", new
        {
            name = "Billing",
            prefix = "acme_test",
            owner_id = "cus_7",
            scopes = new[] { "a:read", "b:write" },
            meta = new { tier = "pro", seats = 3 },
            expires_at = expires,
        });
        var created = await response.Json(HttpStatusCode.Created);
        var id = created.Str("id");
        var secret = created.Str("key");

        Assert.True(Ids.IsValid(id, "key"), id);
        Assert.Equal($"/v1/keys/{id}", response.Headers.Location?.OriginalString);
        Assert.StartsWith("acme_test_", secret, StringComparison.Ordinal);
        Assert.True(secret.Length >= "acme_test_".Length + 22, "a secret carries at least 128 random bits");
        Assert.Equal(secret[.."acme_test_xxxx".Length], created.Str("start"));
        Assert.Equal("client", created.Str("kind"));
        Assert.Equal("acme_test", created.Str("prefix"));
        Assert.Equal("active", created.Str("status"));
        Assert.Equal("Billing", created.Str("name"));
        Assert.Equal("cus_7", created.Str("owner_id"));
        Assert.Equal(["a:read", "b:write"], created.Strings("scopes"));
        Assert.Equal("pro", created.GetProperty("meta").Str("tier"));
        Assert.Equal(3, created.GetProperty("meta").GetProperty("seats").GetInt32());
        Assert.Equal(expires, created.Time("expires_at"));
        Assert.True(created.IsNull("role"));
        Assert.True(created.IsNull("revoked_at"));
        Assert.True(created.IsNull("last_used_at"));
        Assert.True(created.IsNull("rotated_to_id"));
        Assert.True(created.IsNull("rotated_from_id"));

        // Every later read shows the same key, never its secret.
        var read = await tenant.Owner.GetKeyAsync(id);
        Assert.False(read.TryGetProperty("key", out _));
        Assert.False(read.TryGetProperty("hash", out _));
        Assert.DoesNotContain(secret, read.GetRawText(), StringComparison.Ordinal);
        foreach (var field in new[] { "id", "kind", "name", "prefix", "start", "status", "owner_id" })
        {
            Assert.Equal(created.Str(field), read.Str(field));
        }
        Assert.Equal(expires, read.Time("expires_at"));
        Assert.Equal(["a:read", "b:write"], read.Strings("scopes"));
        Assert.Equal("pro", read.GetProperty("meta").Str("tier"));

        var list = await (await tenant.Owner.GetAsync("/v1/keys")).Json(HttpStatusCode.OK);
        Assert.Contains(id, list.Ids());
        Assert.DoesNotContain(secret, list.GetRawText(), StringComparison.Ordinal);
        Assert.All(list.GetProperty("data").EnumerateArray(), k => Assert.False(k.TryGetProperty("key", out _)));
    }

    [Fact]
    public async Task Create_WithoutPrefix_UsesDefaultPrefixAndNoExpiry()
    {
        var tenant = await fixture.NewTenantAsync();
        var created = await tenant.Owner.CreateKeyAsync(new { name = "Plain" });
        Assert.StartsWith("key_", created.Str("key"), StringComparison.Ordinal);
        Assert.Equal("key", created.Str("prefix"));
        Assert.Empty(created.Strings("scopes"));
        Assert.True(created.IsNull("expires_at"));
        Assert.True(created.IsNull("meta"));
        Assert.True(created.IsNull("owner_id"));
        Assert.Equal("VALID", (await tenant.Owner.VerifyAsync(created.Str("key"))).Code());
    }

    [Fact]
    public async Task Create_InvalidFields_Returns400WithEveryField()
    {
        var tenant = await fixture.NewTenantAsync();
        var body = await (await tenant.Owner.PostJson("/v1/keys", new
        {
            name = " ",
            prefix = "keel_live",
            expires_at = DateTimeOffset.UtcNow.AddMinutes(-1),
            meta = new[] { 1 },
        })).Problem(HttpStatusCode.BadRequest, "validation.failed");
        var errors = body.GetProperty("errors");
        foreach (var field in new[] { "name", "prefix", "expires_at", "meta" })
        {
            Assert.True(errors.TryGetProperty(field, out _), $"errors should name {field}: {errors}");
        }
        var list = await (await tenant.Owner.GetAsync("/v1/keys?kind=client")).Json(HttpStatusCode.OK);
        Assert.Empty(list.Ids());
    }

    [Fact]
    public async Task Create_ManagementKeyWithRole_ActsForTheTenantWithThatRole()
    {
        var tenant = await fixture.NewTenantAsync();
        var created = await tenant.Owner.CreateKeyAsync(new { kind = "management", name = "CI", role = "developer" });
        var secret = created.Str("key");
        Assert.StartsWith("keel_sk_", secret, StringComparison.Ordinal);
        Assert.Equal("management", created.Str("kind"));
        Assert.Equal("keel_sk", created.Str("prefix"));
        Assert.Equal("developer", created.Str("role"));
        Assert.Equal("active", created.Str("status"));

        var read = await tenant.Owner.GetKeyAsync(created.Str("id"));
        Assert.Equal("developer", read.Str("role"));
        Assert.False(read.TryGetProperty("key", out _));
        Assert.DoesNotContain(secret, read.GetRawText(), StringComparison.Ordinal);

        using var developer = fixture.Node.ClientWith(secret);
        var client = await developer.CreateKeyAsync(new { name = "made by CI" });
        var list = await (await developer.GetAsync("/v1/keys")).Json(HttpStatusCode.OK);
        Assert.Contains(client.Str("id"), list.Ids());
        Assert.Contains(created.Str("id"), list.Ids());
        Assert.Equal("VALID", (await developer.VerifyAsync(client.Str("key"))).Code());

        // A developer may not mint a key that could do more than it can.
        await (await developer.PostJson("/v1/keys", new { kind = "management", name = "escalate", role = "admin" }))
            .Problem(HttpStatusCode.Forbidden, "auth.role_escalation");
    }

    [Fact]
    public async Task Create_ManagementKeyRoleRules_Returns400()
    {
        var tenant = await fixture.NewTenantAsync();
        var noRole = await (await tenant.Owner.PostJson("/v1/keys", new { kind = "management", name = "x" }))
            .Problem(HttpStatusCode.BadRequest, "validation.failed");
        Assert.True(noRole.GetProperty("errors").TryGetProperty("role", out _));
        var unknownRole = await (await tenant.Owner.PostJson("/v1/keys", new { kind = "management", name = "x", role = "root" }))
            .Problem(HttpStatusCode.BadRequest, "validation.failed");
        Assert.True(unknownRole.GetProperty("errors").TryGetProperty("role", out _));
        var clientWithRole = await (await tenant.Owner.PostJson("/v1/keys", new { name = "x", role = "viewer" }))
            .Problem(HttpStatusCode.BadRequest, "validation.failed");
        Assert.True(clientWithRole.GetProperty("errors").TryGetProperty("role", out _));
    }

    [Fact]
    public async Task ManagementKey_ViewerRole_CannotWriteKeys()
    {
        var tenant = await fixture.NewTenantAsync();
        var viewer = await tenant.Owner.CreateKeyAsync(new { kind = "management", name = "dashboard", role = "viewer" });
        using var client = fixture.Node.ClientWith(viewer.Str("key"));
        (await client.GetAsync("/v1/keys")).EnsureSuccessStatusCode();
        var refused = await (await client.PostJson("/v1/keys", new { name = "nope" })).Problem(HttpStatusCode.Forbidden, "auth.forbidden");
        Assert.Equal("keys:write", refused.Str("missing_permission"));
    }

    [Fact]
    public async Task Patch_OnlyName_LeavesOtherFieldsUnchanged()
    {
        var tenant = await fixture.NewTenantAsync();
        var expires = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddDays(1).ToUnixTimeSeconds());
        var created = await tenant.Owner.CreateKeyAsync(new
        {
            name = "before",
            owner_id = "cus_1",
            scopes = new[] { "s1" },
            meta = new { a = 1 },
            expires_at = expires,
        });
        var id = created.Str("id");

        var patched = await (await tenant.Owner.PatchJson($"/v1/keys/{id}", new { name = "  after  " })).Json(HttpStatusCode.OK);
        Assert.Equal("after", patched.Str("name"));
        var read = await tenant.Owner.GetKeyAsync(id);
        Assert.Equal("after", read.Str("name"));
        Assert.Equal(["s1"], read.Strings("scopes"));
        Assert.Equal(1, read.GetProperty("meta").GetProperty("a").GetInt32());
        Assert.Equal(expires, read.Time("expires_at"));
        Assert.Equal("cus_1", read.Str("owner_id"));
        Assert.Equal(created.Str("start"), read.Str("start"));
        Assert.Equal("VALID", (await tenant.Owner.VerifyAsync(created.Str("key"), "s1")).Code());
    }

    [Fact]
    public async Task Patch_ScopesMetaAndExpiry_ReplacesThemAndVerifySeesItAtOnce()
    {
        var tenant = await fixture.NewTenantAsync();
        var created = await tenant.Owner.CreateKeyAsync(new { name = "k", scopes = new[] { "old" }, meta = new { a = 1 } });
        var id = created.Str("id");
        var secret = created.Str("key");
        Assert.Equal("VALID", (await tenant.Owner.VerifyAsync(secret, "old")).Code()); // now cached on this node

        var expires = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddHours(3).ToUnixTimeSeconds());
        var patched = await (await tenant.Owner.PatchJson($"/v1/keys/{id}", new
        {
            scopes = new[] { "new:a", "new:b" },
            meta = new { b = "two" },
            expires_at = expires,
        })).Json(HttpStatusCode.OK);
        Assert.Equal(["new:a", "new:b"], patched.Strings("scopes"));
        Assert.Equal("two", patched.GetProperty("meta").Str("b"));
        Assert.False(patched.GetProperty("meta").TryGetProperty("a", out _)); // meta is replaced, not merged
        Assert.Equal(expires, patched.Time("expires_at"));
        Assert.Equal("k", patched.Str("name"));

        var read = await tenant.Owner.GetKeyAsync(id);
        Assert.Equal(["new:a", "new:b"], read.Strings("scopes"));
        Assert.Equal(expires, read.Time("expires_at"));

        Assert.Equal("FORBIDDEN_SCOPE", (await tenant.Owner.VerifyAsync(secret, "old")).Code());
        var valid = await tenant.Owner.VerifyAsync(secret, "new:b");
        Assert.Equal("VALID", valid.Code());
        Assert.Equal("two", valid.GetProperty("meta").Str("b"));
        Assert.Equal(expires, valid.Time("expires_at"));
    }

    [Fact]
    public async Task Patch_NullExpiryAndMeta_ClearsThem()
    {
        var tenant = await fixture.NewTenantAsync();
        var created = await tenant.Owner.CreateKeyAsync(new
        {
            name = "k",
            scopes = new[] { "s" },
            meta = new { a = 1 },
            expires_at = DateTimeOffset.UtcNow.AddHours(1),
        });
        var id = created.Str("id");

        var patched = await (await tenant.Owner.PatchJson($"/v1/keys/{id}", new { expires_at = (DateTimeOffset?)null, meta = (object?)null }))
            .Json(HttpStatusCode.OK);
        Assert.True(patched.IsNull("expires_at"));
        Assert.True(patched.IsNull("meta"));

        var read = await tenant.Owner.GetKeyAsync(id);
        Assert.True(read.IsNull("expires_at"));
        Assert.True(read.IsNull("meta"));
        Assert.Equal(["s"], read.Strings("scopes"));
        Assert.Equal("k", read.Str("name"));

        var verify = await tenant.Owner.VerifyAsync(created.Str("key"));
        Assert.Equal("VALID", verify.Code());
        Assert.True(verify.IsNull("expires_at"));
    }

    [Fact]
    public async Task Patch_EmptyScopes_RemovesAllScopes()
    {
        var tenant = await fixture.NewTenantAsync();
        var created = await tenant.Owner.CreateKeyAsync(new { name = "k", scopes = new[] { "s" } });
        var patched = await (await tenant.Owner.PatchJson($"/v1/keys/{created.Str("id")}", new { scopes = Array.Empty<string>() }))
            .Json(HttpStatusCode.OK);
        Assert.Empty(patched.Strings("scopes"));
        Assert.Equal("FORBIDDEN_SCOPE", (await tenant.Owner.VerifyAsync(created.Str("key"), "s")).Code());
    }

    [Fact]
    public async Task Patch_InvalidValues_Returns400AndChangesNothing()
    {
        var tenant = await fixture.NewTenantAsync();
        var created = await tenant.Owner.CreateKeyAsync(new { name = "k", scopes = new[] { "s" } });
        var id = created.Str("id");
        var body = await (await tenant.Owner.PatchJson($"/v1/keys/{id}", new
        {
            name = "",
            scopes = (string[]?)null,
            expires_at = DateTimeOffset.UtcNow.AddSeconds(-5),
        })).Problem(HttpStatusCode.BadRequest, "validation.failed");
        foreach (var field in new[] { "name", "scopes", "expires_at" })
        {
            Assert.True(body.GetProperty("errors").TryGetProperty(field, out _), $"errors should name {field}");
        }
        var read = await tenant.Owner.GetKeyAsync(id);
        Assert.Equal("k", read.Str("name"));
        Assert.Equal(["s"], read.Strings("scopes"));
        Assert.True(read.IsNull("expires_at"));
    }

    [Fact]
    public async Task Patch_RevokedKey_Returns409KeyNotActive()
    {
        var tenant = await fixture.NewTenantAsync();
        var created = await tenant.Owner.CreateKeyAsync(new { name = "k" });
        var id = created.Str("id");
        Assert.Equal(HttpStatusCode.NoContent, (await tenant.Owner.DeleteAsync($"/v1/keys/{id}")).StatusCode);

        await (await tenant.Owner.PatchJson($"/v1/keys/{id}", new { name = "revived?" }))
            .Problem(HttpStatusCode.Conflict, "resource.key_not_active");
        var read = await tenant.Owner.GetKeyAsync(id);
        Assert.Equal("k", read.Str("name"));
        Assert.Equal("revoked", read.Str("status"));
    }

    [Fact]
    public async Task Patch_UnknownId_Returns404()
    {
        var tenant = await fixture.NewTenantAsync();
        await (await tenant.Owner.PatchJson($"/v1/keys/{Ids.New("key")}", new { name = "x" }))
            .Problem(HttpStatusCode.NotFound, "resource.not_found");
    }

    [Fact]
    public async Task Delete_Twice_Returns204BothTimesAndKeepsFirstRevocation()
    {
        var tenant = await fixture.NewTenantAsync();
        var created = await tenant.Owner.CreateKeyAsync(new { name = "k" });
        var id = created.Str("id");
        Assert.Equal("VALID", (await tenant.Owner.VerifyAsync(created.Str("key"))).Code());

        var first = await tenant.Owner.DeleteAsync($"/v1/keys/{id}");
        Assert.Equal(HttpStatusCode.NoContent, first.StatusCode);
        Assert.Empty(await first.Content.ReadAsByteArrayAsync());
        var revoked = await tenant.Owner.GetKeyAsync(id);
        Assert.Equal("revoked", revoked.Str("status"));
        var revokedAt = revoked.Time("revoked_at");
        Assert.NotNull(revokedAt);

        Assert.Equal(HttpStatusCode.NoContent, (await tenant.Owner.DeleteAsync($"/v1/keys/{id}")).StatusCode);
        var again = await tenant.Owner.GetKeyAsync(id);
        Assert.Equal(revokedAt, again.Time("revoked_at"));
        Assert.Equal("revoked", again.Str("status"));

        // A revoked key stays listed (with its status), so its history can be read.
        var list = await (await tenant.Owner.GetAsync("/v1/keys")).Json(HttpStatusCode.OK);
        Assert.Contains(id, list.Ids());
        Assert.Equal("REVOKED", (await tenant.Owner.VerifyAsync(created.Str("key"))).Code());
    }

    [Fact]
    public async Task Delete_UnknownId_Returns404()
    {
        var tenant = await fixture.NewTenantAsync();
        await (await tenant.Owner.DeleteAsync($"/v1/keys/{Ids.New("key")}")).Problem(HttpStatusCode.NotFound, "resource.not_found");
        await (await tenant.Owner.GetAsync("/v1/keys/not-an-id")).Problem(HttpStatusCode.NotFound, "resource.not_found");
    }

    [Fact]
    public async Task Verify_RandomKey_ReturnsNotFoundWithoutKeyDetails()
    {
        var tenant = await fixture.NewTenantAsync();
        await tenant.Owner.CreateKeyAsync(new { name = "k", prefix = "acme" });
        var verify = await tenant.Owner.VerifyAsync("acme_" + Guid.NewGuid().ToString("N"));
        Assert.Equal("NOT_FOUND", verify.Code());
        foreach (var field in new[] { "key_id", "owner_id", "scopes", "meta", "expires_at" })
        {
            Assert.True(verify.IsNull(field), $"{field} should be null: {verify}");
        }
    }

    [Fact]
    public async Task Verify_ManagementKeySecret_ReturnsNotFound()
    {
        var tenant = await fixture.NewTenantAsync();
        var developer = await tenant.Owner.CreateKeyAsync(new { kind = "management", name = "dev", role = "developer" });
        var owner = await tenant.Owner.VerifyAsync(tenant.OwnerKey);
        Assert.Equal("NOT_FOUND", owner.Code());
        Assert.True(owner.IsNull("key_id"));
        var other = await tenant.Owner.VerifyAsync(developer.Str("key"));
        Assert.Equal("NOT_FOUND", other.Code());
        Assert.True(other.IsNull("key_id"));
    }

    [Fact]
    public async Task Verify_MissingScope_ReturnsForbiddenScopeWithKeyId()
    {
        var tenant = await fixture.NewTenantAsync();
        var created = await tenant.Owner.CreateKeyAsync(new { name = "k", scopes = new[] { "read", "write" } });
        var secret = created.Str("key");

        Assert.Equal("VALID", (await tenant.Owner.VerifyAsync(secret)).Code());
        Assert.Equal("VALID", (await tenant.Owner.VerifyAsync(secret, "write")).Code());
        Assert.Equal("VALID", (await tenant.Owner.VerifyAsync(secret, "write", "read")).Code());

        var forbidden = await tenant.Owner.VerifyAsync(secret, "read", "admin");
        Assert.Equal("FORBIDDEN_SCOPE", forbidden.Code());
        Assert.Equal(created.Str("id"), forbidden.Str("key_id"));
        Assert.Equal(["read", "write"], forbidden.Strings("scopes"));
    }

    [Fact]
    public async Task Verify_MalformedRequest_Returns400()
    {
        var tenant = await fixture.NewTenantAsync();
        var empty = await (await tenant.Owner.PostJson("/v1/keys/verify", new { key = "" })).Problem(HttpStatusCode.BadRequest, "validation.failed");
        Assert.True(empty.GetProperty("errors").TryGetProperty("key", out _));
        await (await tenant.Owner.PostJson("/v1/keys/verify", new { key = new string('a', 513) })).Problem(HttpStatusCode.BadRequest, "validation.failed");
    }

    [Fact]
    public async Task ManagementKey_AfterRevocation_Returns401KeyRevoked()
    {
        var tenant = await fixture.NewTenantAsync();
        var admin = await tenant.Owner.CreateKeyAsync(new { kind = "management", name = "ops", role = "admin" });
        using var client = fixture.Node.ClientWith(admin.Str("key"));
        (await client.GetAsync("/v1/keys")).EnsureSuccessStatusCode(); // cached as active on this node

        Assert.Equal(HttpStatusCode.NoContent, (await tenant.Owner.DeleteAsync($"/v1/keys/{admin.Str("id")}")).StatusCode);

        await (await client.GetAsync("/v1/keys")).Problem(HttpStatusCode.Unauthorized, "auth.key_revoked");
        await (await client.PostJson("/v1/keys", new { name = "after revocation" })).Problem(HttpStatusCode.Unauthorized, "auth.key_revoked");
    }
}

public sealed class KeyLifecycleTests_Sqlite(SqliteFixture f) : KeyLifecycleTests(f), IClassFixture<SqliteFixture>;

public sealed class KeyLifecycleTests_Postgres(PostgresFixture f) : KeyLifecycleTests(f), IClassFixture<PostgresFixture>;
