using Keel.Limits;
using Keel.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Keel.Tests.Limits;

/// <summary>
/// A plan's bucket and quota checked together (<see cref="RedisPlanStore"/>'s one script, <see cref="Limiter.TakeAndConsumeAsync"/>):
/// the same decisions as the bucket and quota scripts one after the other, in one round trip, exact across nodes, and
/// the same fallback as each of them when Redis is away.
/// </summary>
public sealed class TakeAndConsumeTests(LimitsRedis redis) : IClassFixture<LimitsRedis>
{
    static readonly DateTimeOffset PeriodEnd = DateTimeOffset.UtcNow.AddDays(1);
    // So slow that no token comes back during a test.
    static readonly BucketSpec Slow = new(1e-6, 10);
    readonly string _prefix = LimitsRedis.NewPrefix();

    RedisPlanStore Plans(IDatabaseAsync db) => new(db, _prefix + "rl:", _prefix + "q:", NullLogger<RedisPlanStore>.Instance);

    static Task<PlanDecision> TakeAndConsume(RedisPlanStore store, BucketSpec spec, long limit, long cost = 1) =>
        store.TakeAndConsumeAsync("b", spec, "q", limit, PeriodEnd, cost, default).AsTask();

    async Task<long> Used(string prefix = "") => (long?)await redis.Database.StringGetAsync(prefix + _prefix + "q:q") ?? 0;

    [Fact]
    public async Task TakeAndConsume_BucketRefuses_QuotaUnspent()
    {
        var store = Plans(redis.Database);
        await TakeAndConsume(store, Slow, 100, cost: 9);

        var empty = await TakeAndConsume(store, Slow, 100, cost: 2);
        var aboveBurst = await TakeAndConsume(store, Slow, 100, cost: 11);

        Assert.Equal((false, 1L, (QuotaDecision?)null), (empty.Bucket.Allowed, empty.Bucket.Remaining, empty.Quota));
        Assert.Equal((false, true, (QuotaDecision?)null), (aboveBurst.Bucket.Allowed, aboveBurst.Bucket.Never, aboveBurst.Quota));
        Assert.Equal(9, await Used());
    }

    [Fact]
    public async Task TakeAndConsume_QuotaRefuses_BucketTokenStaysTaken()
    {
        var store = Plans(redis.Database);
        await TakeAndConsume(store, Slow, 2);
        await TakeAndConsume(store, Slow, 2);

        var refused = await TakeAndConsume(store, Slow, 2);

        // As when the bucket script ran first and the quota script refused after it: the take is not given back.
        Assert.Equal((true, 7L), (refused.Bucket.Allowed, refused.Bucket.Remaining));
        Assert.Equal(new QuotaDecision(false, 2, 2, 0), refused.Quota);
        Assert.Equal(2, await Used());
    }

    [Fact]
    public async Task TakeAndConsume_AnySequence_DecidesAsTheTwoScriptsOneAfterTheOther()
    {
        var store = Plans(redis.Database);
        var buckets = new RedisBucketStore(redis.Database, "two:" + _prefix + "rl:", NullLogger<RedisBucketStore>.Instance);
        var quotas = new RedisQuotaStore(redis.Database, "two:" + _prefix + "q:", NullLogger<RedisQuotaStore>.Instance);
        // Allowed, a report, a quota refusal, above the burst, an empty bucket, a cost that fits what is left.
        long[] costs = [1, 0, 2, 4, 11, 1, 3, 2, 1, 1];
        const long limit = 6;

        foreach (var cost in costs)
        {
            var one = await TakeAndConsume(store, Slow, limit, cost);
            var taken = await buckets.TakeAsync("b", Slow, cost, default);
            var two = new PlanDecision(taken, taken.Allowed ? await quotas.ConsumeAsync("q", limit, cost, PeriodEnd, default) : null);

            // ResetAfter is left out: it moves with Redis's clock between the two calls.
            Assert.Equal((two.Bucket.Allowed, two.Bucket.Remaining, two.Bucket.Never, two.Quota), (one.Bucket.Allowed, one.Bucket.Remaining, one.Bucket.Never, one.Quota));
        }
        Assert.Equal(await Used("two:"), await Used());
        Assert.Equal(6, await Used());
    }

    [Fact]
    public async Task TakeAndConsume_FromTwoNodesAtOnce_BucketAndQuotaExactBetweenThem()
    {
        await using var first = await LimiterNode.StartAsync(TestServers.Redis);
        await using var second = await LimiterNode.StartAsync(TestServers.Redis);
        var (bucket, counter) = ("test:" + Guid.NewGuid().ToString("N"), "test:" + Guid.NewGuid().ToString("N"));
        var spec = new BucketSpec(1e-6, 400);

        var decisions = await Concurrently.RunAsync(64, async t =>
        {
            var mine = new List<LimitResult<PlanDecision>>();
            for (var i = 0; i < 25; i++)
            {
                mine.Add(await (t % 2 == 0 ? first : second).Limiter.TakeAndConsumeAsync(bucket, spec, counter, 300, PeriodEnd, 1, failOpen: false, default));
            }
            return mine;
        });

        var all = decisions.SelectMany(d => d).ToList();
        Assert.All(all, d => Assert.Equal((LimitStatus.Decided, false), (d.Status, d.Degraded)));
        Assert.Equal(400, all.Count(d => d.Decision.Bucket.Allowed));
        Assert.Equal(400, all.Count(d => d.Decision.Quota is not null));
        Assert.Equal(300, all.Count(d => d.Decision.Quota is { Allowed: true }));
        Assert.Equal(300, await first.Limiter.UsedAsync(counter, PeriodEnd, default));
    }

    [Fact]
    public async Task TakeAndConsume_OneEvalshaPerCall_SendsTheScriptAgainAfterScriptFlush()
    {
        await using var server = await OwnRedisServer.StartAsync();
        var store = new RedisPlanStore(server.Connection.GetDatabase(), "rl:", "q:", NullLogger<RedisPlanStore>.Instance);
        await server.Server.ExecuteAsync("CONFIG", "RESETSTAT");
        for (var i = 0; i < 5; i++)
        {
            await TakeAndConsume(store, Slow, 100);
        }
        // The first EVALSHA is refused (NOSCRIPT) and counted as a call that failed before running.
        Assert.Equal((5L, 1L), (await server.CallsAsync("evalsha"), await server.CallsAsync("eval")));

        await server.Server.ScriptFlushAsync();
        var after = await TakeAndConsume(store, Slow, 100);

        Assert.Equal((true, 4L), (after.Bucket.Allowed, after.Bucket.Remaining));
        Assert.Equal(new QuotaDecision(true, 6, 100, 94), after.Quota);
        Assert.Equal(2L, await server.CallsAsync("eval"));
    }

    [Fact]
    public async Task TakeAndConsume_RedisStopsAndStarts_FailOpenDecidesOnTheNode_FailClosedUnavailable_ThenRedisAgain()
    {
        await using var server = await OwnRedisServer.StartAsync();
        await using var node = await LimiterNode.StartAsync(server.Address);
        Task<LimitResult<PlanDecision>> Check(bool failOpen, long cost = 1) =>
            node.Limiter.TakeAndConsumeAsync("key:k", Slow, "key:k:q", 100, PeriodEnd, cost, failOpen, default).AsTask();
        Assert.False((await Check(failOpen: true)).Degraded);

        await server.StopAsync();
        var open = await Check(failOpen: true);
        var openRefused = await Check(failOpen: true, cost: 10);
        var closed = await Check(failOpen: false);

        // The node's own bucket starts full and its own counter from its ledger: the Redis decision is not known here.
        Assert.Equal((LimitStatus.Decided, true, 9L, 1L), (open.Status, open.Degraded, open.Decision.Bucket.Remaining, open.Decision.Quota?.Used));
        Assert.Equal((false, (QuotaDecision?)null), (openRefused.Decision.Bucket.Allowed, openRefused.Decision.Quota));
        Assert.Equal(1, await node.Ledger.UsedAsync("key:k:q", PeriodEnd, default));
        Assert.Equal(LimitStatus.Unavailable, closed.Status);
        Assert.Single(node.Logs.Lines, l => l.Contains("Rate limits degraded", StringComparison.Ordinal));

        await server.StartAgainAsync();
        await Eventually.TrueAsync(async () => (await Check(failOpen: false)).Status == LimitStatus.Decided, TimeSpan.FromSeconds(30),
            () => "Redis was not used again after it came back");
        Assert.Single(node.Logs.Lines, l => l.Contains("Rate limits recovered", StringComparison.Ordinal));
        Assert.True(await server.KeyCountAsync() > 0, "back on Redis");
    }

    [Fact]
    public async Task TakeAndConsume_WithoutRedis_BucketRefusalLeavesTheNodesQuotaUnspent()
    {
        await using var node = await LimiterNode.StartAsync(redis: null);

        var allowed = await node.Limiter.TakeAndConsumeAsync("key:k", Slow, "key:k:q", 100, PeriodEnd, 10, failOpen: false, default);
        var refused = await node.Limiter.TakeAndConsumeAsync("key:k", Slow, "key:k:q", 100, PeriodEnd, 1, failOpen: false, default);

        Assert.Equal((true, 10L, false), (allowed.Decision.Bucket.Allowed, allowed.Decision.Quota?.Used, allowed.Degraded));
        Assert.Equal((false, (QuotaDecision?)null), (refused.Decision.Bucket.Allowed, refused.Decision.Quota));
        Assert.Equal(10, await node.Ledger.UsedAsync("key:k:q", PeriodEnd, default));
    }
}
