using System.Net;
using Keel.Keys;
using Keel.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Keel.Tests.Keys;

/// <summary>
/// <c>last_used_at</c> is recorded in memory and written in batches, at most once a minute per key.
/// The fake clock keeps the background flush from running, so each test flushes (or drains) itself.
/// </summary>
public abstract class LastUsedTests(KeelFixture fixture)
{
    [Fact]
    public async Task Verify_ValidKey_WritesLastUsedAtOnFlushNotOnRequest()
    {
        await using var node = await FakeClockNode.StartAsync(fixture.Provider);
        var flusher = node.Node.Services.GetRequiredService<LastUsedFlusher>();
        var tenant = await node.NewTenantAsync();
        var created = await tenant.Owner.CreateKeyAsync(new { name = "k" });
        var id = created.Str("id");
        var firstUse = node.Now;

        Assert.Equal("VALID", (await tenant.Owner.VerifyAsync(created.Str("key"))).Code());
        Assert.True((await tenant.Owner.GetKeyAsync(id)).IsNull("last_used_at"), "the verify request itself wrote to the database");

        await flusher.FlushAsync(CancellationToken.None);
        Assert.Equal(firstUse, (await tenant.Owner.GetKeyAsync(id)).Time("last_used_at"));

        // Within the minute a use is not queued again; after it, it is.
        node.Time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal("VALID", (await tenant.Owner.VerifyAsync(created.Str("key"))).Code());
        await flusher.FlushAsync(CancellationToken.None);
        Assert.Equal(firstUse, (await tenant.Owner.GetKeyAsync(id)).Time("last_used_at"));

        node.Time.Advance(TimeSpan.FromSeconds(31));
        var laterUse = node.Now;
        Assert.Equal("VALID", (await tenant.Owner.VerifyAsync(created.Str("key"))).Code());
        await flusher.FlushAsync(CancellationToken.None);
        var view = await tenant.Owner.GetKeyAsync(id);
        Assert.Equal(laterUse, view.Time("last_used_at"));
        Assert.Equal("active", view.Str("status"));

        var listed = (await (await tenant.Owner.GetAsync("/v1/keys?kind=client")).Json(HttpStatusCode.OK)).GetProperty("data")[0];
        Assert.Equal(laterUse, listed.Time("last_used_at"));
    }

    [Fact]
    public async Task Verify_SameKey50Times_QueuesOneWrite()
    {
        await using var node = await FakeClockNode.StartAsync(fixture.Provider);
        var tracker = node.Node.Services.GetRequiredService<LastUsedTracker>();
        var tenant = await node.NewTenantAsync();
        var ownerKeyId = (await (await tenant.Owner.GetAsync("/v1/keys?kind=management")).Json(HttpStatusCode.OK)).Ids().Single();
        var created = await tenant.Owner.CreateKeyAsync(new { name = "hot" });
        var id = created.Str("id");
        tracker.Drain(); // the owner key's use so far; it stays throttled for a minute

        var verifies = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => tenant.Owner.VerifyAsync(created.Str("key"))));
        Assert.All(verifies, v => Assert.Equal("VALID", v.Code()));

        var batch = tracker.Drain();
        var queued = Assert.Single(batch);
        Assert.Equal((tenant.Id, id), (queued.Key.TenantId, queued.Key.Id));
        Assert.Equal(node.Now.UtcDateTime, queued.Value);
        Assert.Empty(tracker.Drain());

        node.Time.Advance(TimeSpan.FromMinutes(1));
        for (var i = 0; i < 50; i++)
        {
            await tenant.Owner.VerifyAsync(created.Str("key"));
        }
        var next = tracker.Drain().ToDictionary(e => e.Key.Id, e => e.Value);
        // The minute is over for both: the key verified, and the owner key that called verify.
        Assert.Equal(new[] { id, ownerKeyId }.Order(StringComparer.Ordinal), next.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(node.Now.UtcDateTime, next[id]);
    }

    [Fact]
    public async Task Verify_NotValidOutcomes_DoNotRecordUse()
    {
        await using var node = await FakeClockNode.StartAsync(fixture.Provider);
        var flusher = node.Node.Services.GetRequiredService<LastUsedFlusher>();
        var tenant = await node.NewTenantAsync();
        var scoped = await tenant.Owner.CreateKeyAsync(new { name = "scoped", scopes = new[] { "a" } });
        var revoked = await tenant.Owner.CreateKeyAsync(new { name = "revoked" });
        var expiring = await tenant.Owner.CreateKeyAsync(new { name = "expiring", expires_at = node.Now.AddSeconds(30) });
        (await tenant.Owner.DeleteAsync($"/v1/keys/{revoked.Str("id")}")).EnsureSuccessStatusCode();
        node.Time.Advance(TimeSpan.FromSeconds(30));

        Assert.Equal("FORBIDDEN_SCOPE", (await tenant.Owner.VerifyAsync(scoped.Str("key"), "b")).Code());
        Assert.Equal("REVOKED", (await tenant.Owner.VerifyAsync(revoked.Str("key"))).Code());
        Assert.Equal("EXPIRED", (await tenant.Owner.VerifyAsync(expiring.Str("key"))).Code());
        await flusher.FlushAsync(CancellationToken.None);

        foreach (var key in new[] { scoped, revoked, expiring })
        {
            Assert.True((await tenant.Owner.GetKeyAsync(key.Str("id"))).IsNull("last_used_at"), key.Str("name"));
        }
    }

    [Fact]
    public async Task ManagementKey_UsedOnTheApi_ShowsLastUsedAt()
    {
        await using var node = await FakeClockNode.StartAsync(fixture.Provider);
        var flusher = node.Node.Services.GetRequiredService<LastUsedFlusher>();
        var tenant = await node.NewTenantAsync();
        var developer = await tenant.Owner.CreateKeyAsync(new { kind = "management", name = "dev", role = "developer" });
        using var client = node.Node.ClientWith(developer.Str("key"));
        await flusher.FlushAsync(CancellationToken.None);
        Assert.True((await tenant.Owner.GetKeyAsync(developer.Str("id"))).IsNull("last_used_at"));

        node.Time.Advance(TimeSpan.FromMinutes(5));
        var usedAt = node.Now;
        (await client.GetAsync("/v1/keys")).EnsureSuccessStatusCode();
        await flusher.FlushAsync(CancellationToken.None);

        var view = await tenant.Owner.GetKeyAsync(developer.Str("id"));
        Assert.Equal(usedAt, view.Time("last_used_at"));
        Assert.False(view.TryGetProperty("key", out _));
    }
}

public sealed class LastUsedTests_Sqlite(SqliteFixture f) : LastUsedTests(f), IClassFixture<SqliteFixture>;

public sealed class LastUsedTests_Postgres(PostgresFixture f) : LastUsedTests(f), IClassFixture<PostgresFixture>;
