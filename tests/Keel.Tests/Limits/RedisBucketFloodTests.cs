using Keel.Limits;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Keel.Tests.Limits;

/// <summary>
/// 100,000 new buckets of one group sent straight to the Redis store (through HTTP this would take minutes here): Redis
/// holds at most the cap of them and the group's set, and nothing once they are full again.
/// </summary>
public sealed class RedisBucketFloodTests(LimitsRedis redis) : IClassFixture<LimitsRedis>
{
    const int Takes = 100_000;
    const int Cap = 1_000;

    [Fact]
    public async Task Take_100000NewKeysOfOneGroup_RedisHoldsAtMostTheCapAndForgetsThemOnceFull()
    {
        var prefix = LimitsRedis.NewPrefix();
        var store = new RedisBucketStore(redis.Database, prefix, NullLogger<RedisBucketStore>.Instance);
        var group = new BucketGroup("check:ten_flood", Cap);
        // Full again 2 s after the take: long enough that few places come back while the flood runs, short enough to wait for.
        var spec = new BucketSpec(0.5, 1);
        var next = -1;
        var allowed = 0;

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            for (var i = Interlocked.Increment(ref next); i < Takes; i = Interlocked.Increment(ref next))
            {
                if (await store.TakeAsync($"k{i}", spec, 1, group, CancellationToken.None) is not null)
                {
                    Interlocked.Increment(ref allowed);
                }
            }
        })));
        var held = await KeysAsync(prefix);
        var members = await redis.Database.SortedSetLengthAsync(store.GroupKey(group.Name));
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        var left = await KeysAsync(prefix);

        Assert.InRange(allowed, Cap, Takes - 1);
        Assert.InRange(members, 1, Cap);
        Assert.InRange(held, 2, Cap + 1); // the buckets and the group's set
        Assert.Equal(0, left);
    }

    async Task<int> KeysAsync(string prefix)
    {
        var server = redis.Database.Multiplexer.GetServers()[0];
        var count = 0;
        await foreach (var _ in server.KeysAsync(redis.Database.Database, new RedisValue(prefix + "*"), pageSize: 1000))
        {
            count++;
        }
        return count;
    }
}
