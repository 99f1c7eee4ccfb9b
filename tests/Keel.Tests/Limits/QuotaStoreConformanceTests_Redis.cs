using Keel.Limits;
using Keel.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Keel.Tests.Limits;

/// <summary>The conformance suite on <see cref="RedisQuotaStore"/> against the test Redis server, in real time.</summary>
public sealed class QuotaStoreConformanceTests_Redis(LimitsRedis redis) : QuotaStoreConformanceTests, IClassFixture<LimitsRedis>
{
    readonly string _prefix = LimitsRedis.NewPrefix();

    private protected override IQuotaStore Store => field ??= new RedisQuotaStore(redis.Database, _prefix, NullLogger<RedisQuotaStore>.Instance, Retention);

    private protected override TestClock Clock { get; } = new RealClock();

    private protected override async Task<DateTimeOffset?> ExpiresAtAsync(string key)
    {
        RedisKey name = _prefix + key;
        // PEXPIRETIME (Redis 7): the absolute expiry in Unix milliseconds; -1 when the key has none, -2 when it is missing.
        var at = (long)await redis.Database.ExecuteAsync("PEXPIRETIME", name);
        return at switch
        {
            -2 => null,
            -1 => DateTimeOffset.MaxValue,
            _ => DateTimeOffset.FromUnixTimeMilliseconds(at),
        };
    }
}
