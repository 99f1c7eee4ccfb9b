using System.Net;
using System.Text.Json;
using Keel.Tests.Infrastructure;
using Keel.Tests.Keys;

namespace Keel.Tests.Limits;

/// <summary>Limits checked at verify and on Keel's own API, in memory (one node) and on Redis (any number of nodes).</summary>
public abstract class VerifyLimitsTests(Provider provider, bool redis)
{
    string? Redis => redis ? TestServers.Redis : null;

    [Fact]
    public Task Verify_KeyWithBucket_BurstThenRateLimited()
    {
        return LimitsNode.WithTenantAsync(provider, Redis, async (node, admin, tenant) =>
        {
            var plan = await (await tenant.Owner.PostJson("/v1/rate-plans", new { name = "slow", rate = new { requests_per_second = 0.01, burst = 3 } })).Json(HttpStatusCode.Created);
            var key = await tenant.Owner.CreateKeyAsync(new { name = "k", plan_id = plan.Str("id") });

            var answers = new List<JsonElement>();
            for (var i = 0; i < 5; i++)
            {
                answers.Add(await tenant.Owner.VerifyAsync(key.Str("key")));
            }
            Assert.Equal(["VALID", "VALID", "VALID", "RATE_LIMITED", "RATE_LIMITED"], answers.Select(a => a.Code()));
            Assert.Equal(3, answers[0].GetProperty("ratelimit").GetProperty("limit").GetInt64());
            Assert.Equal([2L, 1L, 0L, 0L], answers.Take(4).Select(a => a.GetProperty("ratelimit").GetProperty("remaining").GetInt64()));
            Assert.Equal(key.Str("id"), answers[4].Str("key_id"));

            // A key's own numbers win over its plan's.
            var own = await tenant.Owner.CreateKeyAsync(new { name = "own", plan_id = plan.Str("id"), rate = new { requests_per_second = 0.01, burst = 1 } });
            Assert.Equal("VALID", (await tenant.Owner.VerifyAsync(own.Str("key"))).Code());
            Assert.Equal("RATE_LIMITED", (await tenant.Owner.VerifyAsync(own.Str("key"))).Code());
        });
    }

    [Fact]
    public Task Verify_ParallelCalls_QuotaHardCapNeverExceeded()
    {
        return LimitsNode.WithTenantAsync(provider, Redis, async (node, admin, tenant) =>
        {
            var key = await tenant.Owner.CreateKeyAsync(new { name = "k", quota = new { period = "month", limit = 25 } });

            var codes = await Task.WhenAll(Enumerable.Range(0, 80).Select(async _ => (await tenant.Owner.VerifyAsync(key.Str("key"))).Code()));

            Assert.Equal(25, codes.Count(c => c == "VALID"));
            Assert.Equal(55, codes.Count(c => c == "QUOTA_EXCEEDED"));
            var quotas = await (await tenant.Owner.GetAsync("/v1/quotas")).Json(HttpStatusCode.OK);
            var entry = Assert.Single(quotas.GetProperty("data").EnumerateArray());
            Assert.Equal(key.Str("id"), entry.Str("key_id"));
            Assert.Equal(25, entry.GetProperty("quota").GetProperty("used").GetInt64());
            Assert.Equal(0, entry.GetProperty("quota").GetProperty("remaining").GetInt64());
            var periodEnd = entry.GetProperty("quota").GetProperty("period_end").GetDateTimeOffset();
            Assert.Equal(1, periodEnd.Day);
            Assert.Equal(TimeSpan.Zero, periodEnd.TimeOfDay);
        });
    }

    [Fact]
    public Task Verify_KeyWithBucketAndQuota_QuotaSpentOnlyWhenTheBucketAllows()
    {
        return LimitsNode.WithTenantAsync(provider, Redis, async (node, admin, tenant) =>
        {
            var plan = await (await tenant.Owner.PostJson("/v1/rate-plans", new
            {
                name = "both",
                rate = new { requests_per_second = 0.01, burst = 3 },
                quota = new { period = "day", limit = 2 },
            })).Json(HttpStatusCode.Created);
            var key = await tenant.Owner.CreateKeyAsync(new { name = "k", plan_id = plan.Str("id") });

            var answers = new List<JsonElement>();
            for (var i = 0; i < 4; i++)
            {
                answers.Add(await tenant.Owner.VerifyAsync(key.Str("key")));
            }

            Assert.Equal(["VALID", "VALID", "QUOTA_EXCEEDED", "RATE_LIMITED"], answers.Select(a => a.Code()));
            // The quota's refusal still took its token; the bucket's refusal never reached the quota.
            Assert.Equal([2L, 1L, 0L, 0L], answers.Select(a => a.GetProperty("ratelimit").GetProperty("remaining").GetInt64()));
            Assert.Equal([1L, 2L, 2L], answers.Take(3).Select(a => a.GetProperty("quota").GetProperty("used").GetInt64()));
            Assert.False(answers[3].TryGetProperty("quota", out var none) && none.ValueKind != JsonValueKind.Null);

            // A bucket of its own, emptier than the quota: its refusal leaves the quota's room unspent.
            var small = await tenant.Owner.CreateKeyAsync(new { name = "small", plan_id = plan.Str("id"), rate = new { requests_per_second = 0.01, burst = 1 } });
            Assert.Equal("VALID", (await tenant.Owner.VerifyAsync(small.Str("key"))).Code());
            Assert.Equal("RATE_LIMITED", (await tenant.Owner.VerifyAsync(small.Str("key"))).Code());
            var quotas = await (await tenant.Owner.GetAsync("/v1/quotas")).Json(HttpStatusCode.OK);
            var used = quotas.GetProperty("data").EnumerateArray().ToDictionary(e => e.Str("key_id"), e => e.GetProperty("quota").GetProperty("used").GetInt64());
            Assert.Equal(new Dictionary<string, long> { [key.Str("id")] = 2, [small.Str("id")] = 1 }, used);
        });
    }

    [Fact]
    public Task TenantPlan_LimitsKeelsApi_WithDraft10Headers()
    {
        return LimitsNode.WithTenantAsync(provider, Redis, async (node, admin, tenant) =>
        {
            var plan = await (await admin.PostJson("/v1/rate-plans", new
            {
                name = "tiny",
                rate = new { requests_per_second = 0.01, burst = 2 },
                quota = new { period = "day", limit = 100 },
            })).Json(HttpStatusCode.Created);
            await (await admin.PatchJson($"/v1/tenants/{tenant.Id}", new { plan_id = plan.Str("id") })).Json(HttpStatusCode.OK);

            var first = await tenant.Owner.GetAsync("/v1/keys");
            await first.Json(HttpStatusCode.OK);
            Assert.Equal("\"burst\";q=2;w=200, \"daily\";q=100;w=86400", first.Headers.GetValues("RateLimit-Policy").Single());
            Assert.StartsWith("\"burst\";r=1;t=", first.Headers.GetValues("RateLimit").Single(), StringComparison.Ordinal);
            Assert.Contains("\"daily\";r=99;t=", first.Headers.GetValues("RateLimit").Single(), StringComparison.Ordinal);
            await (await tenant.Owner.GetAsync("/v1/keys")).Json(HttpStatusCode.OK);

            var refused = await tenant.Owner.GetAsync("/v1/keys");
            await refused.Problem(HttpStatusCode.TooManyRequests, "ratelimit.exceeded");
            Assert.InRange(int.Parse(refused.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture), 1, 101);
            Assert.StartsWith("\"burst\";r=0;", refused.Headers.GetValues("RateLimit").Single(), StringComparison.Ordinal);

            // Another tenant, taken off every plan, is not limited and gets no headers.
            var other = await KeelFixture.NewTenantAsync(node, admin);
            await (await admin.PatchJson($"/v1/tenants/{other.Id}", new { plan_id = (string?)null })).Json(HttpStatusCode.OK);
            var free = await other.Owner.GetAsync("/v1/keys");
            await free.Json(HttpStatusCode.OK);
            Assert.False(free.Headers.Contains("RateLimit"));
        });
    }

    [Fact]
    public Task TenantQuota_HardCap_Is429QuotaExceeded()
    {
        return LimitsNode.WithTenantAsync(provider, Redis, async (node, admin, tenant) =>
        {
            var plan = await (await admin.PostJson("/v1/rate-plans", new { name = "capped", quota = new { period = "day", limit = 3 } })).Json(HttpStatusCode.Created);
            await (await admin.PatchJson($"/v1/tenants/{tenant.Id}", new { plan_id = plan.Str("id") })).Json(HttpStatusCode.OK);

            var statuses = await Task.WhenAll(Enumerable.Range(0, 10).Select(async _ => (await tenant.Owner.GetAsync("/v1/roles")).StatusCode));
            Assert.Equal(3, statuses.Count(s => s == HttpStatusCode.OK));
            var refused = await tenant.Owner.GetAsync("/v1/roles");
            await refused.Problem(HttpStatusCode.TooManyRequests, "quota.exceeded");
            var retryAfter = long.Parse(refused.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(retryAfter, 1, 86400);
        });
    }

    [Fact]
    public Task RateLimitCheck_OwnIdentifiers_PerTenant()
    {
        return LimitsNode.WithTenantAsync(provider, Redis, async (node, admin, tenant) =>
        {
            var other = await KeelFixture.NewTenantAsync(node, admin);
            object Body(long cost = 1) => new { @namespace = "login", identifier = "user@example.com", requests_per_second = 0.01, burst = 3, cost };

            var a = await (await tenant.Owner.PostJson("/v1/ratelimits/check", Body(2))).Json(HttpStatusCode.OK);
            Assert.True(a.GetProperty("allowed").GetBoolean());
            Assert.Equal(1, a.GetProperty("remaining").GetInt64());
            var b = await (await tenant.Owner.PostJson("/v1/ratelimits/check", Body(2))).Json(HttpStatusCode.OK);
            Assert.False(b.GetProperty("allowed").GetBoolean());
            Assert.True(b.GetProperty("retry_after_seconds").GetInt64() > 0);
            var c = await (await other.Owner.PostJson("/v1/ratelimits/check", Body(3))).Json(HttpStatusCode.OK);
            Assert.True(c.GetProperty("allowed").GetBoolean());

            await (await tenant.Owner.PostJson("/v1/ratelimits/check", new { @namespace = "x", identifier = "y", requests_per_second = 0, burst = 1 }))
                .Problem(HttpStatusCode.BadRequest, "validation.failed");
        });
    }
}

public sealed class VerifyLimitsTests_Sqlite_Memory() : VerifyLimitsTests(Provider.Sqlite, false);

public sealed class VerifyLimitsTests_Postgres_Memory() : VerifyLimitsTests(Provider.Postgres, false);

public sealed class VerifyLimitsTests_Sqlite_Redis() : VerifyLimitsTests(Provider.Sqlite, true);

public sealed class VerifyLimitsTests_Postgres_Redis() : VerifyLimitsTests(Provider.Postgres, true);
