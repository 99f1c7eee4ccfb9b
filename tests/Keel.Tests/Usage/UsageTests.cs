using System.Net;
using Keel.Storage;
using Keel.Tests.Infrastructure;
using Keel.Tests.Keys;
using Keel.Usage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Keel.Tests.Usage;

/// <summary>
/// Usage counted in memory, flushed, rolled up and read back, on a node whose clock the test moves. Every expected
/// count comes from the codes the verify calls answered.
/// </summary>
public abstract class UsageTests(Provider provider)
{
    sealed record Scenario(FakeClockNode Node, TestTenant Tenant, string ValidKey, string ValidKeyId, string ScopedKey, string ScopedKeyId,
        string RevokedKey, string RevokedKeyId, string LimitedKey, string LimitedKeyId)
    {
        public UsageFlusher Flusher => Node.Node.Services.GetRequiredService<UsageFlusher>();
        public UsageRollups Rollups => Node.Node.Services.GetRequiredService<UsageRollups>();
    }

    static async Task<Scenario> StartAsync(FakeClockNode node)
    {
        var tenant = await node.NewTenantAsync();
        var plan = await (await tenant.Owner.PostJson("/v1/rate-plans", new { name = "tight", rate = new { requests_per_second = 0.0001, burst = 2 } }))
            .Json(HttpStatusCode.Created);
        var valid = await tenant.Owner.CreateKeyAsync(new { name = "valid", prefix = "acme_live" });
        var scoped = await tenant.Owner.CreateKeyAsync(new { name = "scoped", scopes = new[] { "read" } });
        var revoked = await tenant.Owner.CreateKeyAsync(new { name = "revoked" });
        var limited = await tenant.Owner.CreateKeyAsync(new { name = "limited", plan_id = plan.Str("id") });
        (await tenant.Owner.DeleteAsync($"/v1/keys/{revoked.Str("id")}")).EnsureSuccessStatusCode();
        return new Scenario(node, tenant, valid.Str("key"), valid.Str("id"), scoped.Str("key"), scoped.Str("id"),
            revoked.Str("key"), revoked.Str("id"), limited.Str("key"), limited.Str("id"));
    }

    /// <summary>A round of verifies with every outcome; returns each key's codes (null: the unknown keys).</summary>
    static async Task<List<(string? KeyId, string Code)>> RoundAsync(Scenario s, int valid)
    {
        List<(string?, string)> codes = [];
        async Task Verify(string? keyId, string key, params string[] scopes) => codes.Add((keyId, (await s.Tenant.Owner.VerifyAsync(key, scopes)).Code()));
        for (var i = 0; i < valid; i++)
        {
            await Verify(s.ValidKeyId, s.ValidKey);
        }
        await Verify(s.ScopedKeyId, s.ScopedKey, "write");
        await Verify(s.ScopedKeyId, s.ScopedKey, "read");
        await Verify(s.RevokedKeyId, s.RevokedKey);
        await Verify(s.LimitedKeyId, s.LimitedKey);
        await Verify(s.LimitedKeyId, s.LimitedKey);
        await Verify(s.LimitedKeyId, s.LimitedKey);
        await Verify(null, UsageRequests.UnknownKey("acme_test"));
        await Verify(null, "not a keel key at all");
        return codes;
    }

    [Fact]
    public async Task Usage_RolledUpToHoursAndDays_EqualsMinuteSumsAtEveryGranularity()
    {
        await using var node = await FakeClockNode.StartAsync(provider);
        var s = await StartAsync(node);
        // From 22:30 UTC: minutes of two hours of one day, and of the next day.
        var dayStart = new DateTimeOffset(node.Now.UtcDateTime.Date, TimeSpan.Zero).AddDays(node.Now.Hour >= 22 ? 2 : 1);
        node.Time.Advance(dayStart.AddMinutes(-90) - node.Now);
        List<(string? KeyId, string Code)> sent = [];
        foreach (var step in new[] { 0, 1, 39, 45, 11 })
        {
            node.Time.Advance(TimeSpan.FromMinutes(step));
            sent.AddRange(await RoundAsync(s, valid: 3 + step % 4));
            await s.Flusher.FlushAsync(CancellationToken.None);
        }
        Assert.Contains(sent, c => c.Code == "RATE_LIMITED");
        await s.Rollups.RunOnceAsync(CancellationToken.None);
        var (from, to) = (dayStart.AddMinutes(-90), node.Now.AddMinutes(1));

        // The rollup tables hold the sums of the minutes.
        await using (var scope = node.Node.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<KeelDb>();
            var minutes = await db.KeyUsage.Where(r => r.TenantId == s.Tenant.Id && r.Granularity == 60).ToListAsync();
            var hours = await db.KeyUsage.Where(r => r.TenantId == s.Tenant.Id && r.Granularity == 3600).ToListAsync();
            var days = await db.KeyUsage.Where(r => r.TenantId == s.Tenant.Id && r.Granularity == 86400).ToListAsync();
            Assert.Equal(2, hours.Select(h => h.Ts).Distinct().Count());
            Assert.Single(days.Select(d => d.Ts).Distinct());
            foreach (var hour in hours)
            {
                var inHour = minutes.Where(m => m.KeyId == hour.KeyId && m.Ts - m.Ts % 3600 == hour.Ts).ToList();
                Assert.Equal((inHour.Sum(m => m.Valid), inHour.Sum(m => m.RateLimited), inHour.Sum(m => m.Revoked)), (hour.Valid, hour.RateLimited, hour.Revoked));
            }
            foreach (var day in days)
            {
                var inDay = hours.Where(h => h.KeyId == day.KeyId && h.Ts - h.Ts % 86400 == day.Ts).ToList();
                Assert.Equal((inDay.Sum(h => h.Valid), inDay.Sum(h => h.ForbiddenScope)), (day.Valid, day.ForbiddenScope));
            }
        }

        foreach (var keyId in new[] { s.ValidKeyId, s.ScopedKeyId, s.RevokedKeyId, s.LimitedKeyId })
        {
            var expected = sent.Where(c => c.KeyId == keyId).Select(c => c.Code).Expected();
            foreach (var granularity in new[] { "minute", "hour", "day" })
            {
                var series = await s.Tenant.Owner.KeyUsageAsync(keyId, from, to, granularity);
                Assert.Equal(expected, series.Totals());
            }
            // Each hour's point is the sum of its minutes' points.
            var byMinute = await s.Tenant.Owner.KeyUsageAsync(keyId, from, to, "minute");
            foreach (var hour in await s.Tenant.Owner.KeyUsageAsync(keyId, from, to, "hour"))
            {
                var start = hour.Time("ts")!.Value;
                Assert.Equal(new[] { hour }.Totals(), byMinute.Where(m => m.Time("ts") >= start && m.Time("ts") < start.AddHours(1)).Totals());
            }
        }
        var failures = sent.Where(c => c.Code != "VALID").GroupBy(c => c.Code).ToDictionary(g => g.Key, g => (long)g.Count());
        foreach (var granularity in new[] { "minute", "hour", "day" })
        {
            var series = await s.Tenant.Owner.AuthFailuresAsync(from, to, granularity);
            Assert.Equal(failures.OrderBy(f => f.Key), series.ByCode().OrderBy(f => f.Key));
            Assert.Equal(failures.Values.Sum(), series.Sum(p => p.GetProperty("count").GetInt64()));
        }
        var top = await s.Tenant.Owner.TopKeysAsync(from, to);
        foreach (var key in top)
        {
            var codes = sent.Where(c => c.KeyId == key.Str("key_id")).ToList();
            Assert.Equal((codes.Count, codes.Count(c => c.Code != "VALID")), (key.GetProperty("requests").GetInt64(), key.GetProperty("failures").GetInt64()));
        }
        Assert.Equal(4, top.Length);
    }

    [Fact]
    public async Task Retention_AfterEightDays_DeletesOnlyMinuteRowsOlderThanItsWindow()
    {
        await using var node = await FakeClockNode.StartAsync(provider);
        var s = await StartAsync(node);
        var oldFrom = node.Now.AddMinutes(-1);
        var old = await RoundAsync(s, valid: 5);
        await s.Flusher.FlushAsync(CancellationToken.None);
        node.Time.Advance(TimeSpan.FromDays(8));
        var recentFrom = node.Now.AddMinutes(-1);
        var recent = await RoundAsync(s, valid: 2);
        await s.Flusher.FlushAsync(CancellationToken.None);

        await s.Rollups.RunOnceAsync(CancellationToken.None);

        var oldExpected = old.Where(c => c.KeyId == s.ValidKeyId).Select(c => c.Code).Expected();
        var recentExpected = recent.Where(c => c.KeyId == s.ValidKeyId).Select(c => c.Code).Expected();
        // The old minutes are gone, their hour is kept; the recent minutes are kept.
        Assert.All((await s.Tenant.Owner.KeyUsageAsync(s.ValidKeyId, oldFrom, oldFrom.AddHours(2), "minute")).Totals().Values, v => Assert.Equal(0, v));
        Assert.Equal(oldExpected, (await s.Tenant.Owner.KeyUsageAsync(s.ValidKeyId, oldFrom, oldFrom.AddHours(2), "hour")).Totals());
        Assert.Equal(recentExpected, (await s.Tenant.Owner.KeyUsageAsync(s.ValidKeyId, recentFrom, recentFrom.AddMinutes(5), "minute")).Totals());
        await using var scope = node.Node.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KeelDb>();
        var cutoff = node.Now.AddDays(-7).ToUnixTimeSeconds();
        Assert.False(await db.KeyUsage.AnyAsync(r => r.Granularity == 60 && r.Ts < cutoff));
        Assert.True(await db.KeyUsage.AnyAsync(r => r.Granularity == 60 && r.Ts >= cutoff));
        Assert.True(await db.Failures.AnyAsync(r => r.Granularity == 3600 && r.Ts < cutoff));
    }

    [Fact]
    public async Task Flush_RetriedAfterALostAcknowledgement_DoesNotDoubleCount()
    {
        await using var node = await FakeClockNode.StartAsync(provider);
        var s = await StartAsync(node);
        var from = node.Now.AddMinutes(-1);
        var sent = await RoundAsync(s, valid: 7);
        var counter = node.Node.Services.GetRequiredService<UsageCounter>();

        // The batch reaches the database twice and the node never learns it did (no Committed): the next flush writes it again.
        var batch = counter.Collect();
        for (var i = 0; i < 2; i++)
        {
            await using var scope = node.Node.Services.CreateAsyncScope();
            await UsageWriter.WriteAsync(scope.ServiceProvider.GetRequiredService<KeelDb>(), s.Flusher.NodeId, batch, CancellationToken.None);
        }
        await s.Flusher.FlushAsync(CancellationToken.None);
        await s.Flusher.FlushAsync(CancellationToken.None);
        Assert.Equal(sent.Where(c => c.KeyId == s.ValidKeyId).Select(c => c.Code).Expected(),
            (await s.Tenant.Owner.KeyUsageAsync(s.ValidKeyId, from, node.Now.AddMinutes(1), "minute")).Totals());

        var more = await RoundAsync(s, valid: 4);
        await s.Flusher.FlushAsync(CancellationToken.None);
        Assert.Equal(sent.Concat(more).Where(c => c.KeyId == s.ValidKeyId).Select(c => c.Code).Expected(),
            (await s.Tenant.Owner.KeyUsageAsync(s.ValidKeyId, from, node.Now.AddMinutes(1), "minute")).Totals());
        Assert.Equal(sent.Concat(more).Count(c => c.KeyId is null),
            (await s.Tenant.Owner.AuthFailuresAsync(from, node.Now.AddMinutes(1), "minute")).ByCode()["NOT_FOUND"]);
    }

    [Fact]
    public async Task AuthFailures_UnknownKeys_CountedByTheTriedPrefixOnly()
    {
        await using var node = await FakeClockNode.StartAsync(provider);
        var s = await StartAsync(node);
        var from = node.Now.AddMinutes(-1);
        var secretPart = "Q" + new string('7', 32);
        foreach (var key in new[] { "acme_live_" + secretPart, "acme_live_" + secretPart, "keel_sk_" + secretPart, "hunter2_password", s.ValidKey + "x" })
        {
            Assert.Equal("NOT_FOUND", (await s.Tenant.Owner.VerifyAsync(key)).Code());
        }
        await s.Flusher.FlushAsync(CancellationToken.None);

        var point = Assert.Single((await s.Tenant.Owner.AuthFailuresAsync(from, node.Now.AddMinutes(1), "hour")), p => p.GetProperty("count").GetInt64() > 0);
        var prefixes = point.GetProperty("not_found_prefixes").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64());
        Assert.Equal(new Dictionary<string, long> { ["(malformed)"] = 2, ["acme_live"] = 2, ["keel_sk"] = 1 }, prefixes);
        Assert.Equal(5, point.GetProperty("by_code").GetProperty("NOT_FOUND").GetInt64());
        // Nothing but prefixes reached the database.
        await using var scope = node.Node.Services.CreateAsyncScope();
        var stored = await scope.ServiceProvider.GetRequiredService<KeelDb>().Failures.Where(f => f.TenantId == s.Tenant.Id).Select(f => f.Prefix).ToListAsync();
        Assert.DoesNotContain(stored, p => p.Contains(secretPart, StringComparison.Ordinal) || p.Contains("hunter2", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TopKeys_OrderedByRequestsOrFailures_LimitedAndTenantScoped()
    {
        await using var node = await FakeClockNode.StartAsync(provider);
        var s = await StartAsync(node);
        var other = await node.NewTenantAsync();
        var otherKey = await other.Owner.CreateKeyAsync(new { name = "busy elsewhere" });
        var from = node.Now.AddMinutes(-1);
        await RoundAsync(s, valid: 6);
        for (var i = 0; i < 20; i++)
        {
            await other.Owner.VerifyAsync(otherKey.Str("key"));
        }
        await s.Flusher.FlushAsync(CancellationToken.None);
        var to = node.Now.AddMinutes(1);

        var byRequests = await s.Tenant.Owner.TopKeysAsync(from, to, "requests", 2);
        var byFailures = await s.Tenant.Owner.TopKeysAsync(from, to, "failures", 3);

        Assert.Equal([s.ValidKeyId, s.LimitedKeyId], byRequests.Select(k => k.Str("key_id")));
        Assert.Equal([6L, 3L], byRequests.Select(k => k.GetProperty("requests").GetInt64()));
        // One failure each (the limited key's third call, the scoped key's missing scope, the revoked key): ties by requests.
        Assert.Equal([s.LimitedKeyId, s.ScopedKeyId, s.RevokedKeyId], byFailures.Select(k => k.Str("key_id")));
        Assert.All(byFailures, k => Assert.Equal(1, k.GetProperty("failures").GetInt64()));
        Assert.DoesNotContain(await s.Tenant.Owner.TopKeysAsync(from, to), k => k.Str("key_id") == otherKey.Str("id"));
    }

    [Fact]
    public async Task KeyUsage_OtherTenantsKey_IsNotFound()
    {
        await using var node = await FakeClockNode.StartAsync(provider);
        var s = await StartAsync(node);
        var other = await node.NewTenantAsync();

        await (await other.Owner.GetAsync($"/v1/keys/{s.ValidKeyId}/usage")).Problem(HttpStatusCode.NotFound, "resource.not_found");
        await (await other.Owner.GetAsync("/v1/keys/key_nope/usage")).Problem(HttpStatusCode.NotFound, "resource.not_found");
        await (await s.Tenant.Owner.GetAsync($"/v1/keys/{s.ValidKeyId}/usage")).Json(HttpStatusCode.OK);
    }
}

public sealed class UsageTests_Sqlite() : UsageTests(Provider.Sqlite);

public sealed class UsageTests_Postgres() : UsageTests(Provider.Postgres);
