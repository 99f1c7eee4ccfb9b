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

    // consume() returns {allowed, used after}. Nothing is written for a refusal or a report, so neither creates a key.
    // A Lua function, so the plan script (RedisPlanStore) counts the same way.
    internal const string ConsumeFunction = """
        local function consume(counter, limit, cost, expireAt)
          local used = tonumber(redis.call('GET', counter) or '0')
          if cost == 0 then return {1, used} end
          if cost > limit - used then return {0, used} end
          used = redis.call('INCRBY', counter, cost)
          redis.call('PEXPIREAT', counter, expireAt)
          return {1, used}
        end

        """;

    // KEYS: the counter; ARGV: limit, cost, expiry (Unix milliseconds).
    internal static readonly RedisScript Script = new("quota", ConsumeFunction + """
        return consume(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3])
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
