using Keel.Limits;
using Keel.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Keel.Tests.Limits;

/// <summary>
/// What only the Redis stores have: one EVALSHA per call, recovery when Redis forgets the script, errors that reach the
/// caller, exactness across nodes, and the keys they leave.
/// </summary>
public sealed class RedisLimitsTests(LimitsRedis redis) : IClassFixture<LimitsRedis>
{
    readonly string _prefix = LimitsRedis.NewPrefix();

    static RedisBucketStore Buckets(IDatabaseAsync db, string prefix) => new(db, prefix, NullLogger<RedisBucketStore>.Instance);

    static RedisQuotaStore Quotas(IDatabaseAsync db, string prefix) => new(db, prefix, NullLogger<RedisQuotaStore>.Instance);

    [Fact]
    public async Task Take_TravelsAsEvalsha_WithOneEvalOnlyWhenTheServerLacksTheScript()
    {
        await using var server = await OwnRedisServer.StartAsync();
        var store = Buckets(server.Connection.GetDatabase(), "b:");
        await server.Server.ExecuteAsync("CONFIG", "RESETSTAT");

        for (var i = 0; i < 20; i++)
        {
            await store.TakeAsync("k", new BucketSpec(10, 100), 1, default);
        }

        // The first EVALSHA is refused (NOSCRIPT) and counted as a call that failed before running.
        Assert.Equal((20L, 1L), (await server.CallsAsync("evalsha"), await server.CallsAsync("eval")));
    }

    [Fact]
    public async Task Take_AfterScriptFlush_LoadsTheScriptAgainAndKeepsTheBucket()
    {
        await using var server = await OwnRedisServer.StartAsync();
        var store = Buckets(server.Connection.GetDatabase(), "b:");
        var spec = new BucketSpec(1e-6, 10);
        await store.TakeAsync("k", spec, 3, default);

        await server.Server.ScriptFlushAsync();
        var after = await store.TakeAsync("k", spec, 1, default);

        Assert.Equal((true, 6L), (after.Allowed, after.Remaining));
    }

    [Fact]
    public async Task TakeAndConsume_RedisGone_ThrowTheRedisError()
    {
        await using var server = await OwnRedisServer.StartAsync();
        var db = server.Connection.GetDatabase();
        await Buckets(db, "b:").TakeAsync("k", new BucketSpec(10, 10), 1, default);

        await server.StopAsync();

        // Never a decision: whether to fail open or closed is the caller's choice.
        var take = await Record.ExceptionAsync(() => Buckets(db, "b:").TakeAsync("k", new BucketSpec(10, 10), 1, default).AsTask());
        var consume = await Record.ExceptionAsync(() => Quotas(db, "q:").ConsumeAsync("k", 10, 1, DateTimeOffset.UtcNow.AddDays(1), default).AsTask());
        Assert.True(take is RedisException or RedisTimeoutException, $"got {take}");
        Assert.True(consume is RedisException or RedisTimeoutException, $"got {consume}");
    }

    [Fact]
    public async Task Take_FromTwoNodesAtOnce_AllowsExactlyTheBurstBetweenThem()
    {
        var spec = new BucketSpec(1e-6, 400);
        var nodes = new[] { Buckets(redis.Database, _prefix), Buckets(redis.OtherNode, _prefix) };

        var counts = await Concurrently.RunAsync(64, async t =>
        {
            var allowed = 0;
            for (var i = 0; i < 25; i++)
            {
                allowed += (await nodes[t % 2].TakeAsync("k", spec, 1, default)).Allowed ? 1 : 0;
            }
            return allowed;
        });

        Assert.Equal(400, counts.Sum());
    }

    [Fact]
    public async Task Consume_FromTwoNodesAtOnce_StopsExactlyAtTheLimit()
    {
        var periodEnd = DateTimeOffset.UtcNow.AddDays(1);
        var nodes = new[] { Quotas(redis.Database, _prefix), Quotas(redis.OtherNode, _prefix) };

        var counts = await Concurrently.RunAsync(64, async t =>
        {
            var allowed = 0;
            for (var i = 0; i < 25; i++)
            {
                allowed += (await nodes[t % 2].ConsumeAsync("q", 700, 1, periodEnd, default)).Allowed ? 1 : 0;
            }
            return allowed;
        });

        Assert.Equal(700, counts.Sum());
        Assert.Equal(700, (long)await redis.Database.StringGetAsync(_prefix + "q"));
    }

    [Fact]
    public async Task Take_KeepsAHashOfTokensAndStampUnderItsPrefix()
    {
        var spec = new BucketSpec(1e-6, 10);
        await Buckets(redis.Database, _prefix).TakeAsync("tenant:ten_1", spec, 4, default);

        var hash = (await redis.Database.HashGetAllAsync(_prefix + "tenant:ten_1")).ToDictionary(e => (string)e.Name!, e => (string)e.Value!);
        var elsewhere = await Buckets(redis.Database, LimitsRedis.NewPrefix()).TakeAsync("tenant:ten_1", spec, 0, default);

        Assert.Equal(["t", "ts"], hash.Keys.Order());
        Assert.Equal(6, double.Parse(hash["t"], System.Globalization.CultureInfo.InvariantCulture), 6);
        // The stamp is Redis's clock in microseconds: within a minute of this machine's.
        var stamp = DateTimeOffset.UnixEpoch.AddTicks(long.Parse(hash["ts"], System.Globalization.CultureInfo.InvariantCulture) * 10);
        Assert.InRange(stamp, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.Equal(10, elsewhere.Remaining);
    }
}
