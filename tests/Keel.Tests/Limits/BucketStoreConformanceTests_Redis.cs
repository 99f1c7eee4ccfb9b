using Keel.Limits;
using Keel.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Keel.Tests.Limits;

/// <summary>The conformance suite on <see cref="RedisBucketStore"/> against the test Redis server, in real time.</summary>
public sealed class BucketStoreConformanceTests_Redis(LimitsRedis redis) : BucketStoreConformanceTests, IClassFixture<LimitsRedis>
{
    readonly string _prefix = LimitsRedis.NewPrefix();

    private protected override IBucketStore Store => field ??= new RedisBucketStore(redis.Database, _prefix, NullLogger<RedisBucketStore>.Instance);

    private protected override TestClock Clock { get; } = new RealClock();

    private protected override async Task<TimeSpan?> ExpiresInAsync(string key)
    {
        RedisKey name = _prefix + key;
        // A key that exists without a time to live would never go away: report it as lasting forever.
        return await redis.Database.KeyExistsAsync(name) ? await redis.Database.KeyTimeToLiveAsync(name) ?? TimeSpan.MaxValue : null;
    }
}
