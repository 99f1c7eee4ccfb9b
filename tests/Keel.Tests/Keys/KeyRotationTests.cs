using System.Net;
using Keel.Tests.Infrastructure;

namespace Keel.Tests.Keys;

/// <summary>Rotation with a grace period; the grace runs out on a clock the test moves.</summary>
public abstract class KeyRotationTests(KeelFixture fixture)
{
    [Fact]
    public async Task Rotate_WithGrace_BothValidUntilGraceEndsThenOldExpired()
    {
        await using var node = await FakeClockNode.StartAsync(fixture.Provider);
        var tenant = await node.NewTenantAsync();
        var old = await tenant.Owner.CreateKeyAsync(new { name = "svc", prefix = "acme_live", owner_id = "cus_9", scopes = new[] { "r" }, meta = new { n = 1 } });
        var oldId = old.Str("id");
        Assert.Equal("VALID", (await tenant.Owner.VerifyAsync(old.Str("key"))).Code()); // cached before the rotation
        var rotatedAt = node.Now;

        var response = await tenant.Owner.PostJson($"/v1/keys/{oldId}/rotate", new { grace_period_seconds = 3600 });
        var successor = await response.Json(HttpStatusCode.Created);
        var newId = successor.Str("id");
        Assert.Equal($"/v1/keys/{newId}", response.Headers.Location?.OriginalString);
        Assert.NotEqual(oldId, newId);
        Assert.NotEqual(old.Str("key"), successor.Str("key"));
        Assert.NotEqual(old.Str("start"), successor.Str("start"));
        Assert.StartsWith("acme_live_", successor.Str("key"), StringComparison.Ordinal);
        Assert.Equal(oldId, successor.Str("rotated_from_id"));
        Assert.True(successor.IsNull("rotated_to_id"));
        Assert.True(successor.IsNull("expires_at"));
        Assert.Equal("active", successor.Str("status"));
        Assert.Equal("svc", successor.Str("name"));
        Assert.Equal("cus_9", successor.Str("owner_id"));
        Assert.Equal(["r"], successor.Strings("scopes"));
        Assert.Equal(1, successor.GetProperty("meta").GetProperty("n").GetInt32());

        var oldView = await tenant.Owner.GetKeyAsync(oldId);
        Assert.Equal(newId, oldView.Str("rotated_to_id"));
        Assert.Equal(rotatedAt.AddHours(1), oldView.Time("expires_at"));
        Assert.Equal("active", oldView.Str("status"));
        Assert.Equal(oldId, (await tenant.Owner.GetKeyAsync(newId)).Str("rotated_from_id"));

        var oldVerify = await tenant.Owner.VerifyAsync(old.Str("key"), "r");
        Assert.Equal("VALID", oldVerify.Code());
        Assert.Equal(oldId, oldVerify.Str("key_id"));
        var newVerify = await tenant.Owner.VerifyAsync(successor.Str("key"), "r");
        Assert.Equal("VALID", newVerify.Code());
        Assert.Equal(newId, newVerify.Str("key_id"));

        // One successor per key: a second rotation of the same key is refused.
        await (await tenant.Owner.PostJson($"/v1/keys/{oldId}/rotate", new { grace_period_seconds = 60 }))
            .Problem(HttpStatusCode.Conflict, "resource.key_not_active");

        node.Time.Advance(TimeSpan.FromSeconds(3599));
        Assert.Equal("VALID", (await tenant.Owner.VerifyAsync(old.Str("key"))).Code());
        node.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("EXPIRED", (await tenant.Owner.VerifyAsync(old.Str("key"))).Code());
        Assert.Equal("VALID", (await tenant.Owner.VerifyAsync(successor.Str("key"))).Code());
        Assert.Equal("expired", (await tenant.Owner.GetKeyAsync(oldId)).Str("status"));

        // The successor is an ordinary key: it can be rotated in turn.
        var third = await tenant.Owner.RotateAsync(newId, 0);
        Assert.Equal(newId, third.Str("rotated_from_id"));
    }

    [Fact]
    public async Task Rotate_ConcurrentRequests_OnlyOneSuccessor()
    {
        var tenant = await fixture.NewTenantAsync();
        var old = await tenant.Owner.CreateKeyAsync(new { name = "k" });

        var responses = await Task.WhenAll(Enumerable.Range(0, 8)
            .Select(_ => tenant.Owner.PostJson($"/v1/keys/{old.Str("id")}/rotate", new { grace_period_seconds = 60 })));

        var created = responses.Where(r => r.StatusCode == HttpStatusCode.Created).ToArray();
        var winner = await Assert.Single(created).Json(HttpStatusCode.Created);
        foreach (var loser in responses.Except(created))
        {
            await loser.Problem(HttpStatusCode.Conflict, "resource.key_not_active");
        }
        var clients = (await (await tenant.Owner.GetAsync("/v1/keys?kind=client")).Json(HttpStatusCode.OK)).Ids();
        Assert.Equal([winner.Str("id"), old.Str("id")], clients);
        Assert.Equal(winner.Str("id"), (await tenant.Owner.GetKeyAsync(old.Str("id"))).Str("rotated_to_id"));
    }

    [Fact]
    public async Task Rotate_KeyExpiringBeforeGraceEnds_KeepsItsEarlierExpiry()
    {
        await using var node = await FakeClockNode.StartAsync(fixture.Provider);
        var tenant = await node.NewTenantAsync();
        var expires = node.Now.AddMinutes(10);
        var old = await tenant.Owner.CreateKeyAsync(new { name = "k", expires_at = expires });

        var successor = await tenant.Owner.RotateAsync(old.Str("id"), 3600);

        Assert.Equal(expires, (await tenant.Owner.GetKeyAsync(old.Str("id"))).Time("expires_at"));
        Assert.Equal(expires, successor.Time("expires_at")); // the successor inherits the expiry
    }

    [Fact]
    public async Task Rotate_WithoutBody_UsesDefaultGraceOf24Hours()
    {
        await using var node = await FakeClockNode.StartAsync(fixture.Provider);
        var tenant = await node.NewTenantAsync();
        var old = await tenant.Owner.CreateKeyAsync(new { name = "k" });
        var rotatedAt = node.Now;

        (await tenant.Owner.PostAsync($"/v1/keys/{old.Str("id")}/rotate", null)).EnsureSuccessStatusCode();

        Assert.Equal(rotatedAt.AddHours(24), (await tenant.Owner.GetKeyAsync(old.Str("id"))).Time("expires_at"));
        node.Time.Advance(TimeSpan.FromHours(24));
        Assert.Equal("EXPIRED", (await tenant.Owner.VerifyAsync(old.Str("key"))).Code());
    }

    [Fact]
    public async Task Rotate_ZeroGrace_OldKeyExpiresAtOnce()
    {
        var tenant = await fixture.NewTenantAsync();
        var old = await tenant.Owner.CreateKeyAsync(new { name = "k" });
        Assert.Equal("VALID", (await tenant.Owner.VerifyAsync(old.Str("key"))).Code());

        var successor = await tenant.Owner.RotateAsync(old.Str("id"), 0);

        Assert.Equal("EXPIRED", (await tenant.Owner.VerifyAsync(old.Str("key"))).Code());
        Assert.Equal("VALID", (await tenant.Owner.VerifyAsync(successor.Str("key"))).Code());
    }

    [Fact]
    public async Task Rotate_RevokingOldKeyDuringGrace_EndsItAtOnce()
    {
        var tenant = await fixture.NewTenantAsync();
        var old = await tenant.Owner.CreateKeyAsync(new { name = "k" });
        var successor = await tenant.Owner.RotateAsync(old.Str("id"), 3600);
        Assert.Equal("VALID", (await tenant.Owner.VerifyAsync(old.Str("key"))).Code());

        Assert.Equal(HttpStatusCode.NoContent, (await tenant.Owner.DeleteAsync($"/v1/keys/{old.Str("id")}")).StatusCode);

        Assert.Equal("REVOKED", (await tenant.Owner.VerifyAsync(old.Str("key"))).Code());
        Assert.Equal("VALID", (await tenant.Owner.VerifyAsync(successor.Str("key"))).Code());
    }

    [Fact]
    public async Task Rotate_RevokedKey_Returns409KeyNotActive()
    {
        var tenant = await fixture.NewTenantAsync();
        var old = await tenant.Owner.CreateKeyAsync(new { name = "k" });
        Assert.Equal(HttpStatusCode.NoContent, (await tenant.Owner.DeleteAsync($"/v1/keys/{old.Str("id")}")).StatusCode);

        await (await tenant.Owner.PostJson($"/v1/keys/{old.Str("id")}/rotate", new { grace_period_seconds = 60 }))
            .Problem(HttpStatusCode.Conflict, "resource.key_not_active");
        var list = await (await tenant.Owner.GetAsync("/v1/keys?kind=client")).Json(HttpStatusCode.OK);
        Assert.Equal([old.Str("id")], list.Ids());
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(30 * 86400 + 1)]
    public async Task Rotate_GraceOutOfRange_Returns400AndKeepsKey(int grace)
    {
        var tenant = await fixture.NewTenantAsync();
        var old = await tenant.Owner.CreateKeyAsync(new { name = "k" });

        var problem = await (await tenant.Owner.PostJson($"/v1/keys/{old.Str("id")}/rotate", new { grace_period_seconds = grace }))
            .Problem(HttpStatusCode.BadRequest, "validation.failed");
        Assert.True(problem.GetProperty("errors").TryGetProperty("grace_period_seconds", out _));

        var view = await tenant.Owner.GetKeyAsync(old.Str("id"));
        Assert.True(view.IsNull("rotated_to_id"));
        Assert.True(view.IsNull("expires_at"));
    }

    [Fact]
    public async Task Rotate_ManagementKey_OldSecretAuthenticatesUntilGraceEnds()
    {
        await using var node = await FakeClockNode.StartAsync(fixture.Provider);
        var tenant = await node.NewTenantAsync();
        var old = await tenant.Owner.CreateKeyAsync(new { kind = "management", name = "ci", role = "developer" });
        using var oldClient = node.Node.ClientWith(old.Str("key"));
        (await oldClient.GetAsync("/v1/keys")).EnsureSuccessStatusCode();

        var successor = await tenant.Owner.RotateAsync(old.Str("id"), 60);
        Assert.Equal("management", successor.Str("kind"));
        Assert.Equal("developer", successor.Str("role"));
        Assert.StartsWith("keel_sk_", successor.Str("key"), StringComparison.Ordinal);
        using var newClient = node.Node.ClientWith(successor.Str("key"));

        (await oldClient.GetAsync("/v1/keys")).EnsureSuccessStatusCode();
        (await newClient.GetAsync("/v1/keys")).EnsureSuccessStatusCode();

        node.Time.Advance(TimeSpan.FromSeconds(60));
        await (await oldClient.GetAsync("/v1/keys")).Problem(HttpStatusCode.Unauthorized, "auth.key_expired");
        (await newClient.GetAsync("/v1/keys")).EnsureSuccessStatusCode();
    }
}

public sealed class KeyRotationTests_Sqlite(SqliteFixture f) : KeyRotationTests(f), IClassFixture<SqliteFixture>;

public sealed class KeyRotationTests_Postgres(PostgresFixture f) : KeyRotationTests(f), IClassFixture<PostgresFixture>;
