namespace Keel.Limits;

/// <summary>
/// The outcome of spending from a quota in its current period. <c>Unavailable</c>: no store could
/// decide (Redis down, plan fails closed). <c>WindowSeconds</c>: the period's length, the <c>w</c> of
/// the <c>RateLimit-Policy</c> header.
/// </summary>
public readonly record struct PeriodQuotaResult(bool Allowed, bool Unavailable, QuotaUsageView Usage, long WindowSeconds);

/// <summary>
/// Quotas by UTC calendar period, as verify (a key's) and the API limiter (a tenant's) both spend them:
/// the period's counter key, its end and reset, the answer's view, and the soft-limit and exhaustion
/// events of a consume that crossed a mark. An owner with a rate too takes from its bucket in the same step.
/// </summary>
public sealed class PeriodQuotas(Limiter limiter, QuotaEvents events, TimeProvider time)
{
    /// <summary>Spends <paramref name="cost"/> of the owner's quota (a key's when <paramref name="keyId"/> is set, else the tenant's).</summary>
    public async ValueTask<PeriodQuotaResult> ConsumeAsync(
        string tenantId, string? keyId, string period, long limit, long cost, bool failOpen, IReadOnlyList<double> softLimits, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var end = QuotaPeriods.Current(period, now).End;
        var consumed = await limiter.ConsumeAsync(CounterKey(tenantId, keyId, period, now), limit, cost, end, failOpen, ct);
        return await SpentAsync(tenantId, keyId, period, limit, cost, softLimits, consumed, now, ct);
    }

    /// <summary>
    /// Takes <paramref name="cost"/> from the owner's bucket (<c>key:</c> or <c>tenant:</c> and its id) and, only if the
    /// bucket allowed it, spends it from the owner's quota: one step, so with Redis one round trip. The quota is null
    /// when the bucket refused or could not decide.
    /// </summary>
    public async ValueTask<(LimitResult<BucketDecision> Bucket, PeriodQuotaResult? Quota)> TakeAndConsumeAsync(
        string tenantId, string? keyId, BucketSpec rate, string period, long limit, long cost, bool failOpen, IReadOnlyList<double> softLimits,
        CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var end = QuotaPeriods.Current(period, now).End;
        var both = await limiter.TakeAndConsumeAsync(Owner(tenantId, keyId), rate, CounterKey(tenantId, keyId, period, now), limit, end, cost, failOpen, ct);
        if (both.Status == LimitStatus.Unavailable)
        {
            return (LimitResult.Unavailable<BucketDecision>(), null);
        }
        var taken = LimitResult.Of(both.Decision.Bucket, both.Degraded);
        return both.Decision.Quota is { } consumed
            ? (taken, await SpentAsync(tenantId, keyId, period, limit, cost, softLimits, LimitResult.Of(consumed, both.Degraded), now, ct))
            : (taken, null);
    }

    /// <summary>The answer to a consume, after announcing the marks it crossed.</summary>
    async ValueTask<PeriodQuotaResult> SpentAsync(string tenantId, string? keyId, string period, long limit, long cost, IReadOnlyList<double> softLimits,
        LimitResult<QuotaDecision> consumed, DateTimeOffset now, CancellationToken ct)
    {
        var (start, end) = QuotaPeriods.Current(period, now);
        var reset = RateLimitHeaders.Seconds(end - now);
        var window = (long)(end - start).TotalSeconds;
        if (consumed.Status == LimitStatus.Unavailable)
        {
            return new(false, true, new QuotaUsageView(period, limit, 0, 0, end, reset, Unavailable: true), window);
        }
        var d = consumed.Decision;
        var usage = new QuotaUsageView(period, d.Limit, d.Used, d.Remaining, end, reset);
        if (d.Allowed)
        {
            await events.AnnounceAsync(tenantId, keyId, usage, cost, softLimits, ct);
        }
        return new(d.Allowed, false, usage, window);
    }

    /// <summary>The owner's use so far this period, without spending.</summary>
    public async ValueTask<QuotaUsageView> UsageAsync(string tenantId, string? keyId, string period, long limit, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var (_, end) = QuotaPeriods.Current(period, now);
        var reset = RateLimitHeaders.Seconds(end - now);
        return await limiter.UsedAsync(CounterKey(tenantId, keyId, period, now), end, ct) is { } used
            ? new QuotaUsageView(period, limit, used, Math.Max(0, limit - used), end, reset)
            : new QuotaUsageView(period, limit, 0, 0, end, reset, Unavailable: true);
    }

    /// <summary>The owner's bucket key; with the period's label, its counter key.</summary>
    static string Owner(string tenantId, string? keyId) => keyId is null ? "tenant:" + tenantId : "key:" + keyId;

    static string CounterKey(string tenantId, string? keyId, string period, DateTimeOffset now) =>
        $"{Owner(tenantId, keyId)}:{QuotaPeriods.Label(period, now)}";
}
