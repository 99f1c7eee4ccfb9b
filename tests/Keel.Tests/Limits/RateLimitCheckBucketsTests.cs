using System.Net;
using Keel.Limits;
using Keel.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Keel.Tests.Limits;

/// <summary>
/// The buckets a tenant names through <c>/v1/ratelimits/check</c> are bounded: the rate has a floor (an empty bucket
/// refills within a day, then it is forgotten) and a node holds at most <c>Tenants:MaxRateLimitBuckets</c> per tenant.
/// </summary>
public abstract class RateLimitCheckBucketsTests(Provider provider)
{
    [Theory]
    [InlineData(1e-6, 1)] // the issue: a bucket that lived for decades
    [InlineData(0.001, 100)] // 100,000 s to refill
    [InlineData(1, 86_401)]
    public async Task Check_RateTooLowToRefillWithinADay_IsRefused(double rate, long burst)
    {
        await LimitsNode.WithTenantAsync(provider, null, async (node, admin, tenant) =>
        {
            var problem = await (await tenant.Owner.PostJson("/v1/ratelimits/check", new { @namespace = "n", identifier = "i", requests_per_second = rate, burst }))
                .Problem(HttpStatusCode.BadRequest, "validation.failed");
            Assert.True(problem.GetProperty("errors").TryGetProperty("requests_per_second", out _), problem.GetRawText());
            // Exactly a day is allowed.
            await (await tenant.Owner.PostJson("/v1/ratelimits/check", new { @namespace = "n", identifier = "i", requests_per_second = burst / 86_400.0, burst }))
                .Json(HttpStatusCode.OK);
        });
    }

    [Fact]
    public async Task Check_NewBucketPastTheTenantsCap_IsRefusedWhileHeldBucketsWork()
    {
        var node = await LimitsNode.StartAsync(provider, null, extra: new Dictionary<string, string?> { ["Tenants:MaxRateLimitBuckets"] = "3" });
        try
        {
            using var admin = node.ClientWith(KeelFixture.AdminToken);
            var tenant = await KeelFixture.NewTenantAsync(node, admin);
            object Body(string identifier) => new { @namespace = "login", identifier, requests_per_second = 0.01, burst = 2 };
            for (var i = 0; i < 3; i++)
            {
                Assert.True((await (await tenant.Owner.PostJson("/v1/ratelimits/check", Body($"user{i}"))).Json(HttpStatusCode.OK)).GetProperty("allowed").GetBoolean());
            }

            var refused = await (await tenant.Owner.PostJson("/v1/ratelimits/check", Body("user3"))).Problem(HttpStatusCode.Conflict, "resource.limit_reached");

            Assert.Equal(3, refused.GetProperty("limit").GetInt32());
            var held = await (await tenant.Owner.PostJson("/v1/ratelimits/check", Body("user0"))).Json(HttpStatusCode.OK);
            Assert.Equal(0, held.GetProperty("remaining").GetInt64());
            var other = await KeelFixture.NewTenantAsync(node, admin);
            await (await other.Owner.PostJson("/v1/ratelimits/check", Body("user3"))).Json(HttpStatusCode.OK);
        }
        finally
        {
            await node.StopAsync();
        }
    }
}

public sealed class RateLimitCheckBucketsTests_Sqlite() : RateLimitCheckBucketsTests(Provider.Sqlite);

public sealed class RateLimitCheckBucketsTests_Postgres() : RateLimitCheckBucketsTests(Provider.Postgres);

/// <summary>The related issue's test: 100,000 hostile requests, and the memory they leave behind under a stated bound.</summary>
[Collection(RunsAlone.Name)]
public sealed class RateLimitCheckMemoryTests(ITestOutputHelper output)
{
    const int Requests = 100_000;
    const int Cap = 10_000; // the default of Tenants:MaxRateLimitBuckets
    // 10,000 buckets of the longest key (about 340 characters) took 10.1 MB; 100,000 would take ten times that.
    const long MaxGrowthBytes = 16L << 20;

    [Fact]
    public async Task Check_100000DistinctIdentifiersFromOneTenant_HoldAtMostTheCapAndBoundedMemory()
    {
        var node = await LimitsNode.StartAsync(Provider.Sqlite, null);
        try
        {
            using var admin = node.ClientWith(KeelFixture.AdminToken);
            var tenant = await KeelFixture.NewTenantAsync(node, admin);
            // Off every plan: the tenant's own rate limit would refuse most of these before they reach a bucket.
            await (await admin.PatchJson($"/v1/tenants/{tenant.Id}", new { plan_id = (string?)null })).Json(HttpStatusCode.OK);
            var ns = new string('n', 100);
            // The longest names allowed, and a rate whose first token comes back only after 500 s: nothing is swept.
            object Body(int i) => new { @namespace = ns, identifier = i.ToString("D200", System.Globalization.CultureInfo.InvariantCulture), requests_per_second = 0.002, burst = 100 };
            // A report (cost 0) runs the whole path once without adding a bucket.
            await (await tenant.Owner.PostJson("/v1/ratelimits/check", new { @namespace = "warm", identifier = "up", requests_per_second = 1, burst = 1, cost = 0 })).Json(HttpStatusCode.OK);
            var before = GC.GetTotalMemory(forceFullCollection: true);
            var watch = System.Diagnostics.Stopwatch.StartNew();

            var statuses = new int[600];
            await Task.WhenAll(Enumerable.Range(0, 8).Select(worker => Task.Run(async () =>
            {
                for (var i = worker; i < Requests; i += 8)
                {
                    using var response = await tenant.Owner.PostJson("/v1/ratelimits/check", Body(i));
                    Interlocked.Increment(ref statuses[(int)response.StatusCode]);
                }
            })));
            var after = GC.GetTotalMemory(forceFullCollection: true);
            output.WriteLine($"{Requests} requests in {watch.Elapsed.TotalSeconds:F1} s; managed heap {before >> 20} MB before, {after >> 20} MB after, grew {(after - before) / 1024} KB");

            var held = node.Services.GetRequiredService<Limiter>().LocalBuckets.CountOf("check:" + tenant.Id);
            Assert.Equal(Cap, held);
            Assert.Equal(Cap, statuses[200]);
            Assert.Equal(Requests - Cap, statuses[409]);
            Assert.True(after - before < MaxGrowthBytes, $"the managed heap grew by {(after - before) >> 20} MB ({after - before} bytes)");
        }
        finally
        {
            await node.StopAsync();
        }
    }
}
