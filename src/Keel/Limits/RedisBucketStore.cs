using StackExchange.Redis;

namespace Keel.Limits;

/// <summary>
/// Token buckets in Redis, shared by every node: one script checks, refills and takes atomically (Redis runs one
/// script at a time), so concurrent takes on any number of nodes never take more than a bucket holds. Time is Redis's
/// own clock (<c>TIME</c>; allowed before writes since Redis 5, which replicates a script's effects rather than the
/// script), so the nodes' clocks need not agree. A bucket is a hash <c>{t: tokens, ts: microseconds}</c> that expires
/// when it would be full again, so idle keys disappear. Redis errors propagate (<see cref="RedisException"/>): the
/// caller decides between failing open and closed.
/// </summary>
/// <remarks>
/// A <see cref="BucketGroup"/> is a sorted set of its buckets scored by when each is full again, expiring with the
/// last of them: a new bucket first drops the members full by now, then is refused while the cap is held. So the cap
/// holds across every node, and a group costs Redis no more than its cap of buckets.
/// </remarks>
internal sealed class RedisBucketStore(IDatabaseAsync redis, string keyPrefix, ILogger<RedisBucketStore> logger) : IBucketStore
{
    public const string DefaultKeyPrefix = "keel:rl:";

    // Mirrors TokenBucket.Take in microseconds. Numbers are stored with %.17g because Lua's own number-to-string
    // conversion keeps 14 digits, which would round a microsecond stamp (16 digits) and the tokens.
    // take() returns {allowed, whole tokens remaining, microseconds to retry (-1: never), microseconds to full}, or
    // {-1, 0, 0, 0} when the bucket is new and its group (optional, with its cap) holds its cap. A Lua function, so the
    // plan script (RedisPlanStore) runs the same arithmetic.
    internal const string TakeFunction = """
        local function take(bucket, rate, burst, cost, group, cap)
          local clock = redis.call('TIME')
          local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
          local state = redis.call('HMGET', bucket, 't', 'ts')
          local tokens = burst
          local stamp = now
          if state[1] then
            local last = tonumber(state[2])
            if last > stamp then stamp = last end
            tokens = math.min(burst, tonumber(state[1]) + (stamp - last) * rate / 1000000)
          end
          local most = 9007199254740991
          local allowed = 0
          local retry = -1
          if cost <= burst then
            if tokens >= cost then
              allowed = 1
              retry = 0
            else
              retry = math.min(most, math.ceil((cost - tokens) * 1000000 / rate))
            end
          end
          if allowed == 1 and cost > 0 then
            tokens = tokens - cost
            local full = math.min(most, math.ceil((burst - tokens) * 1000000 / rate))
            if group then
              if not state[1] then
                redis.call('ZREMRANGEBYSCORE', group, '-inf', string.format('%.17g', now))
                if redis.call('ZCARD', group) >= tonumber(cap) then return {-1, 0, 0, 0} end
              end
              redis.call('ZADD', group, string.format('%.17g', stamp + full), bucket)
              if redis.call('PTTL', group) < math.ceil(full / 1000) then redis.call('PEXPIRE', group, math.ceil(full / 1000)) end
            end
            redis.call('HSET', bucket, 't', string.format('%.17g', tokens), 'ts', string.format('%.17g', stamp))
            redis.call('PEXPIRE', bucket, math.ceil(full / 1000))
          end
          return {allowed, math.floor(tokens), retry, math.min(most, math.ceil((burst - tokens) * 1000000 / rate))}
        end

        """;

    // KEYS: the bucket, its group (optional); ARGV: rate, burst, cost, the group's cap.
    internal static readonly RedisScript Script = new("token bucket", TakeFunction + """
        return take(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), KEYS[2], ARGV[4])
        """);

    readonly RedisKey _prefix = keyPrefix;

    public async ValueTask<BucketDecision> TakeAsync(string key, BucketSpec spec, long cost, CancellationToken ct) =>
        (await TakeAsync(key, spec, cost, group: null, ct))!.Value;

    public async ValueTask<BucketDecision?> TakeAsync(string key, BucketSpec spec, long cost, BucketGroup? group, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        spec.ThrowIfInvalid();
        ArgumentOutOfRangeException.ThrowIfNegative(cost);
        // StackExchange.Redis cannot take a command back once queued; cancelling only helps before it is sent.
        ct.ThrowIfCancellationRequested();
        var result = group is { } g
            ? await Script.EvaluateAsync(redis, [_prefix.Append(key), GroupKey(g.Name)], [spec.RequestsPerSecond, spec.Burst, cost, g.Cap], logger)
            : await Script.EvaluateAsync(redis, [_prefix.Append(key)], [spec.RequestsPerSecond, spec.Burst, cost], logger);
        var r = (long[]?)result ?? throw new RedisException($"the token bucket script returned {result}");
        return r[0] == -1 ? null : Decision(r, spec);
    }

    /// <summary>The decision in <c>take()</c>'s answer (its first four numbers).</summary>
    internal static BucketDecision Decision(long[] r, BucketSpec spec) =>
        new(r[0] == 1, spec.Burst, r[1], r[2] < 0 ? TimeSpan.MaxValue : TokenBucket.Microseconds(r[2]), TokenBucket.Microseconds(r[3]));

    /// <summary>The sorted set of <paramref name="group"/>'s buckets; no bucket key starts with <c>group:</c>.</summary>
    internal RedisKey GroupKey(string group) => _prefix.Append("group:" + group);
}
