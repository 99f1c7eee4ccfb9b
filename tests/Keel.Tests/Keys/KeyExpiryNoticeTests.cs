using System.Net;
using Keel.Keys;
using Keel.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Keel.Tests.Keys;

/// <summary><c>key.expiring</c>, Keys:ExpiryNoticeDays (7) before <c>expires_at</c>, once per expiry, on a clock the test moves.</summary>
public abstract class KeyExpiryNoticeTests(KeelFixture fixture)
{
    [Fact]
    public async Task ExpiringKeys_AnnouncedOnceInsideTheNoticePeriod_NewExpiryAnnouncedAgain()
    {
        await using var node = await FakeClockNode.StartAsync(fixture.Provider);
        var tenant = await node.NewTenantAsync();
        var later = await tenant.Owner.CreateKeyAsync(new { name = "later", expires_at = node.Now.AddDays(10) });
        var soon = await tenant.Owner.CreateKeyAsync(new { name = "soon", expires_at = node.Now.AddDays(3) });
        await tenant.Owner.CreateKeyAsync(new { name = "forever" });
        var revoked = await tenant.Owner.CreateKeyAsync(new { name = "revoked", expires_at = node.Now.AddDays(2) });
        Assert.Equal(HttpStatusCode.NoContent, (await tenant.Owner.DeleteAsync($"/v1/keys/{revoked.Str("id")}")).StatusCode);
        var notifier = node.Node.Services.GetRequiredService<KeyExpiryNotifier>();

        await notifier.ScanOnceAsync(CancellationToken.None);
        Assert.Equal([soon.Str("id")], await AnnouncedAsync(tenant.Owner));

        node.Time.Advance(TimeSpan.FromDays(4));
        await notifier.ScanOnceAsync(CancellationToken.None);
        await notifier.ScanOnceAsync(CancellationToken.None);
        Assert.Equal([soon.Str("id"), later.Str("id")], await AnnouncedAsync(tenant.Owner));

        // A new expiry is a new notice, once it is near.
        await (await tenant.Owner.PatchJson($"/v1/keys/{later.Str("id")}", new { expires_at = node.Now.AddDays(20) })).Json(HttpStatusCode.OK);
        await notifier.ScanOnceAsync(CancellationToken.None);
        Assert.Equal(2, (await AnnouncedAsync(tenant.Owner)).Length);
        node.Time.Advance(TimeSpan.FromDays(14));
        await notifier.ScanOnceAsync(CancellationToken.None);
        Assert.Equal([soon.Str("id"), later.Str("id"), later.Str("id")], await AnnouncedAsync(tenant.Owner));
    }

    /// <summary>The key ids of the tenant's <c>key.expiring</c> events, oldest first.</summary>
    static async Task<string[]> AnnouncedAsync(HttpClient owner)
    {
        var page = await (await owner.GetAsync("/v1/events?type=key.expiring")).Json(HttpStatusCode.OK);
        return [.. page.GetProperty("data").EnumerateArray().Reverse().Select(e => e.GetProperty("payload").Str("id"))];
    }
}

public sealed class KeyExpiryNoticeTests_Sqlite(SqliteFixture f) : KeyExpiryNoticeTests(f), IClassFixture<SqliteFixture>;

public sealed class KeyExpiryNoticeTests_Postgres(PostgresFixture f) : KeyExpiryNoticeTests(f), IClassFixture<PostgresFixture>;
