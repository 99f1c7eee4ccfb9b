using System.Net;
using Keel.Tests.Infrastructure;
using Keel.Tests.Keys;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Keel.Tests.Limits;

/// <summary>
/// Limits when Redis stops and starts again (a real redis-server of the test's own): fail-open plans
/// fall back to the node's own buckets, fail-closed plans refuse, nothing is a 500, and limits go back
/// to Redis by themselves.
/// </summary>
public abstract class RedisOutageTests(Provider provider)
{
    [Fact]
    public async Task RedisStopsAndStarts_FailOpenFallsBack_FailClosedRefuses_ThenRecovers()
    {
        await using var redis = await OwnRedisServer.StartAsync();
        using var logs = new CapturingLoggerProvider();
        await LimitsNode.WithTenantAsync(provider, redis.Address, async (node, admin, tenant) =>
        {
            var open = await (await tenant.Owner.PostJson("/v1/rate-plans", new { name = "open", rate = new { requests_per_second = 0.02, burst = 1000 } })).Json(HttpStatusCode.Created);
            var closed = await (await tenant.Owner.PostJson("/v1/rate-plans", new { name = "closed", fail_open = false, rate = new { requests_per_second = 0.02, burst = 1000 } })).Json(HttpStatusCode.Created);
            // A slow refill keeps each bucket in Redis for a long time (its key expires when it would be full).
            var openKey = await tenant.Owner.CreateKeyAsync(new { name = "o", plan_id = open.Str("id") });
            var closedKey = await tenant.Owner.CreateKeyAsync(new { name = "c", plan_id = closed.Str("id") });
            Assert.Equal("VALID", (await tenant.Owner.VerifyAsync(openKey.Str("key"))).Code());
            Assert.Equal("VALID", (await tenant.Owner.VerifyAsync(closedKey.Str("key"))).Code());
            Assert.True(await redis.KeyCountAsync() > 0, "the buckets live in Redis while it is up");

            await redis.StopAsync();
            Assert.Equal("VALID", (await tenant.Owner.VerifyAsync(openKey.Str("key"))).Code());
            var refused = await tenant.Owner.VerifyAsync(closedKey.Str("key"));
            Assert.Equal("RATE_LIMITED", refused.Code());
            Assert.True(refused.GetProperty("ratelimit").GetProperty("unavailable").GetBoolean());
            Assert.Single(logs.Lines, l => l.Contains("Rate limits degraded", StringComparison.Ordinal));

            await redis.StartAgainAsync();
            await Eventually.TrueAsync(async () => (await tenant.Owner.VerifyAsync(closedKey.Str("key"))).Code() == "VALID",
                TimeSpan.FromSeconds(30), () => "Redis was not used again after it came back");
            Assert.Equal("VALID", (await tenant.Owner.VerifyAsync(openKey.Str("key"))).Code());
            // One line when it degraded (not one per refused call), one when it came back.
            Assert.Single(logs.Lines, l => l.Contains("Rate limits degraded", StringComparison.Ordinal));
            Assert.Single(logs.Lines, l => l.Contains("Rate limits recovered", StringComparison.Ordinal));
            Assert.Contains("keel_limits_redis_failures_total{", await (await admin.GetAsync("/metrics")).Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.True(await redis.KeyCountAsync() > 0, "back on Redis");
        }, s => s.AddSingleton<ILoggerProvider>(logs));
    }
}

public sealed class RedisOutageTests_Sqlite() : RedisOutageTests(Provider.Sqlite);

public sealed class RedisOutageTests_Postgres() : RedisOutageTests(Provider.Postgres);
