using Keel.Storage;
using StackExchange.Redis;

namespace Keel.Limits;

/// <summary>
/// The one entry to buckets and quotas. Without Redis the in-process stores decide (exact on one
/// node). With Redis, Redis decides (exact across nodes); when Redis cannot answer, a plan that
/// fails open falls back to this node's own stores and one that fails closed is refused
/// (<see cref="LimitStatus.Unavailable"/>). Degrading and recovering are each logged once and
/// counted; every call tries Redis again, so recovery is automatic.
/// </summary>
public sealed partial class Limiter : IDisposable
{
    const string Prefix = "keel:";
    readonly RedisConnection _redis;
    readonly MemoryBucketStore _localBuckets;
    readonly QuotaLedger _localQuotas;
    readonly LimitsMetrics _metrics;
    readonly ILoggerFactory _loggers;
    readonly ILogger<Limiter> _logger;
    int _degraded;
    Task<(IBucketStore Buckets, IQuotaStore Quotas, RedisPlanStore Plans)>? _remote;

    public Limiter(RedisConnection redis, TimeProvider time, QuotaLedger localQuotas, LimitsMetrics metrics, ILoggerFactory loggers)
    {
        _redis = redis;
        _localBuckets = new MemoryBucketStore(time);
        _localQuotas = localQuotas;
        _metrics = metrics;
        _loggers = loggers;
        _logger = loggers.CreateLogger<Limiter>();
    }

    public bool UsesRedis => _redis.IsConfigured;

    public ValueTask<LimitResult<BucketDecision>> TakeAsync(string key, BucketSpec spec, long cost, bool failOpen, CancellationToken ct) =>
        TakeAsync(key, spec, cost, failOpen, group: null, ct);

    /// <summary>
    /// Takes from <paramref name="key"/>'s bucket; a new key of <paramref name="group"/> past its cap is refused
    /// (<see cref="LimitStatus.GroupFull"/>), counted in Redis across nodes, else (and while Redis is away) in this node.
    /// </summary>
    public async ValueTask<LimitResult<BucketDecision>> TakeAsync(string key, BucketSpec spec, long cost, bool failOpen, BucketGroup? group, CancellationToken ct)
    {
        if (!UsesRedis)
        {
            return Local(key, spec, cost, group, degraded: false);
        }
        try
        {
            var decision = await (await RemoteAsync()).Buckets.TakeAsync(key, spec, cost, group, ct);
            Recovered();
            return decision is { } d ? LimitResult.Of(d) : new LimitResult<BucketDecision>(LimitStatus.GroupFull, default, false);
        }
        catch (Exception e) when (IsRedisFailure(e))
        {
            Degraded(e);
            return failOpen ? Local(key, spec, cost, group, degraded: true) : LimitResult.Unavailable<BucketDecision>();
        }
    }

    /// <summary>This node's own buckets (tests).</summary>
    internal MemoryBucketStore LocalBuckets => _localBuckets;

    LimitResult<BucketDecision> Local(string key, BucketSpec spec, long cost, BucketGroup? group, bool degraded) =>
        _localBuckets.Take(key, spec, cost, group) is { } decision
            ? LimitResult.Of(decision, degraded)
            : new LimitResult<BucketDecision>(LimitStatus.GroupFull, default, degraded);

    public async ValueTask<LimitResult<QuotaDecision>> ConsumeAsync(string key, long limit, long cost, DateTimeOffset periodEnd, bool failOpen, CancellationToken ct)
    {
        if (!UsesRedis)
        {
            return LimitResult.Of(await _localQuotas.ConsumeAsync(key, limit, cost, periodEnd, ct));
        }
        try
        {
            var decision = await (await RemoteAsync()).Quotas.ConsumeAsync(key, limit, cost, periodEnd, ct);
            Recovered();
            return LimitResult.Of(decision);
        }
        catch (Exception e) when (IsRedisFailure(e))
        {
            Degraded(e);
            return failOpen
                ? LimitResult.Of(await _localQuotas.ConsumeAsync(key, limit, cost, periodEnd, ct), degraded: true)
                : LimitResult.Unavailable<QuotaDecision>();
        }
    }

    /// <summary>
    /// Takes from the bucket and, only if that was allowed, consumes from the quota, as <see cref="TakeAsync(string, BucketSpec, long, bool, CancellationToken)"/>
    /// then <see cref="ConsumeAsync"/> would, but in Redis as one script: one round trip for a plan with both.
    /// </summary>
    public async ValueTask<LimitResult<PlanDecision>> TakeAndConsumeAsync(
        string bucketKey, BucketSpec spec, string quotaKey, long limit, DateTimeOffset periodEnd, long cost, bool failOpen, CancellationToken ct)
    {
        if (!UsesRedis)
        {
            return await LocalAsync(bucketKey, spec, quotaKey, limit, periodEnd, cost, degraded: false, ct);
        }
        try
        {
            var decision = await (await RemoteAsync()).Plans.TakeAndConsumeAsync(bucketKey, spec, quotaKey, limit, periodEnd, cost, ct);
            Recovered();
            return LimitResult.Of(decision);
        }
        catch (Exception e) when (IsRedisFailure(e))
        {
            Degraded(e);
            return failOpen
                ? await LocalAsync(bucketKey, spec, quotaKey, limit, periodEnd, cost, degraded: true, ct)
                : LimitResult.Unavailable<PlanDecision>();
        }
    }

    async ValueTask<LimitResult<PlanDecision>> LocalAsync(
        string bucketKey, BucketSpec spec, string quotaKey, long limit, DateTimeOffset periodEnd, long cost, bool degraded, CancellationToken ct)
    {
        var taken = _localBuckets.Take(bucketKey, spec, cost, group: null)!.Value;
        var consumed = taken.Allowed ? await _localQuotas.ConsumeAsync(quotaKey, limit, cost, periodEnd, ct) : (QuotaDecision?)null;
        return LimitResult.Of(new PlanDecision(taken, consumed), degraded);
    }

    /// <summary>Used so far in the period, from whichever store decides (null when Redis cannot say).</summary>
    public async ValueTask<long?> UsedAsync(string key, DateTimeOffset periodEnd, CancellationToken ct)
    {
        if (!UsesRedis)
        {
            return await _localQuotas.UsedAsync(key, periodEnd, ct);
        }
        try
        {
            return await (await RemoteAsync()).Quotas.UsedAsync(key, periodEnd, ct);
        }
        catch (Exception e) when (IsRedisFailure(e))
        {
            Degraded(e);
            return null;
        }
    }

    Task<(IBucketStore Buckets, IQuotaStore Quotas, RedisPlanStore Plans)> RemoteAsync() => LazyInitializer.EnsureInitialized(ref _remote, async () =>
    {
        var db = (await _redis.GetAsync()).GetDatabase();
        return ((IBucketStore)new RedisBucketStore(db, Prefix + "rl:", _loggers.CreateLogger<RedisBucketStore>()),
            (IQuotaStore)new RedisQuotaStore(db, Prefix + "q:", _loggers.CreateLogger<RedisQuotaStore>()),
            new RedisPlanStore(db, Prefix + "rl:", Prefix + "q:", _loggers.CreateLogger<RedisPlanStore>()));
    });

    static bool IsRedisFailure(Exception e) => e is RedisException or TimeoutException or ObjectDisposedException;

    void Degraded(Exception e)
    {
        _metrics.RedisFailure();
        if (Interlocked.Exchange(ref _degraded, 1) == 0)
        {
            _metrics.SetDegraded(true);
            RedisLost(_logger, e);
        }
    }

    void Recovered()
    {
        if (Volatile.Read(ref _degraded) == 1 && Interlocked.Exchange(ref _degraded, 0) == 1)
        {
            _metrics.SetDegraded(false);
            RedisBack(_logger);
        }
    }

    public void Dispose() => _localBuckets.Dispose();

    [LoggerMessage(EventId = 61, Level = LogLevel.Warning, Message = "Rate limits degraded: Redis does not answer; fail-open plans use this node's own buckets, fail-closed plans refuse")]
    static partial void RedisLost(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 62, Level = LogLevel.Information, Message = "Rate limits recovered: Redis answers again")]
    static partial void RedisBack(ILogger logger);
}

public enum LimitStatus
{
    Decided,
    Unavailable,
    /// <summary>A new bucket was refused: its <see cref="BucketGroup"/> holds its cap of buckets.</summary>
    GroupFull,
}

/// <summary>A store's decision, or that no store could decide (Redis down, plan fails closed).</summary>
public readonly record struct LimitResult<T>(LimitStatus Status, T Decision, bool Degraded) where T : struct;

public static class LimitResult
{
    public static LimitResult<T> Of<T>(T decision, bool degraded = false) where T : struct => new(LimitStatus.Decided, decision, degraded);

    public static LimitResult<T> Unavailable<T>() where T : struct => new(LimitStatus.Unavailable, default, true);
}
