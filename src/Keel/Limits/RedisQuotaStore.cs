using StackExchange.Redis;

namespace Keel.Limits;

/// <summary>
/// Quota counters in Redis, shared by every node: one script reads, compares and adds (Redis runs one script at a
/// time), so concurrent consumers on any number of nodes never pass the limit. A counter is a plain integer key that
/// expires <c>retention</c> after its period ends. Redis errors propagate (<see cref="RedisException"/>).
/// </summary>
internal sealed class RedisQuotaStore(IDatabaseAsync redis, string keyPrefix, ILogger<RedisQuotaStore> logger, TimeSpan? retention = null)
    : IQuotaStore
{
    public const string DefaultKeyPrefix = "keel:quota:";

    // Returns {allowed, used after}. Nothing is written for a refusal or a report, so neither creates a key.
    internal static readonly RedisScript Script = new("quota", """
        local used = tonumber(redis.call('GET', KEYS[1]) or '0')
        local limit = tonumber(ARGV[1])
        local cost = tonumber(ARGV[2])
        if cost == 0 then return {1, used} end
        if cost > limit - used then return {0, used} end
        used = redis.call('INCRBY', KEYS[1], cost)
        redis.call('PEXPIREAT', KEYS[1], ARGV[3])
        return {1, used}
        """);

    readonly RedisKey _prefix = keyPrefix;
    readonly TimeSpan _retention = retention ?? QuotaRetention.Default;

    public async ValueTask<QuotaDecision> ConsumeAsync(string key, long limit, long cost, DateTimeOffset periodEnd, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        ArgumentOutOfRangeException.ThrowIfNegative(cost);
        ct.ThrowIfCancellationRequested();
        var expireAt = (periodEnd + _retention).ToUnixTimeMilliseconds();
        var result = await Script.EvaluateAsync(redis, _prefix.Append(key), [limit, cost, expireAt], logger);
        var r = (long[]?)result ?? throw new RedisException($"the quota script returned {result}");
        return QuotaDecision.Of(r[0] == 1, r[1], limit);
    }

    public async ValueTask<long> UsedAsync(string key, DateTimeOffset periodEnd, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ct.ThrowIfCancellationRequested();
        return (long?)await redis.StringGetAsync(_prefix.Append(key)) ?? 0;
    }
}
