using StackExchange.Redis;

namespace Keel.Limits;

/// <summary>
/// A bucket take and a quota consume in one script, for a plan with both: one round trip instead of two, and one atomic
/// step in which the quota is consumed only when the bucket allowed, as when the two scripts ran one after the other. It
/// reaches the same keys as <see cref="RedisBucketStore"/> and <see cref="RedisQuotaStore"/> with their own Lua
/// functions, so a bucket or a counter is the same whichever way it is checked. Redis errors propagate.
/// </summary>
internal sealed class RedisPlanStore(
    IDatabaseAsync redis, string bucketPrefix, string quotaPrefix, ILogger<RedisPlanStore> logger, TimeSpan? retention = null)
{
    // KEYS: the bucket, the counter; ARGV: rate, burst, cost, limit, the counter's expiry (Unix milliseconds).
    // Returns take()'s four numbers when the bucket refused, else those and consume()'s two.
    internal static readonly RedisScript Script = new("bucket and quota", RedisBucketStore.TakeFunction + RedisQuotaStore.ConsumeFunction + """
        local taken = take(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]))
        if taken[1] ~= 1 then return taken end
        local consumed = consume(KEYS[2], tonumber(ARGV[4]), tonumber(ARGV[3]), ARGV[5])
        return {taken[1], taken[2], taken[3], taken[4], consumed[1], consumed[2]}
        """);

    readonly RedisKey _buckets = bucketPrefix;
    readonly RedisKey _quotas = quotaPrefix;
    readonly TimeSpan _retention = retention ?? QuotaRetention.Default;

    public async ValueTask<PlanDecision> TakeAndConsumeAsync(
        string bucketKey, BucketSpec spec, string quotaKey, long limit, DateTimeOffset periodEnd, long cost, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(bucketKey);
        ArgumentException.ThrowIfNullOrEmpty(quotaKey);
        spec.ThrowIfInvalid();
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        ArgumentOutOfRangeException.ThrowIfNegative(cost);
        ct.ThrowIfCancellationRequested();
        var expireAt = (periodEnd + _retention).ToUnixTimeMilliseconds();
        var result = await Script.EvaluateAsync(redis, [_buckets.Append(bucketKey), _quotas.Append(quotaKey)],
            [spec.RequestsPerSecond, spec.Burst, cost, limit, expireAt], logger);
        var r = (long[]?)result ?? throw new RedisException($"the bucket and quota script returned {result}");
        return new PlanDecision(RedisBucketStore.Decision(r, spec), r.Length == 6 ? QuotaDecision.Of(r[4] == 1, r[5], limit) : null);
    }
}
