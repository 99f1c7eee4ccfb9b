using System.Security.Claims;
using Keel.Http;

namespace Keel.Limits;

/// <summary>
/// Limits a tenant's calls to Keel by its operator plan: one token per call from the tenant's bucket,
/// one unit of its period quota if the bucket allowed (one Redis round trip for both), taken before the
/// call runs (never counted afterwards, so concurrent calls cannot overshoot). Every answer to a limited
/// tenant carries <c>RateLimit-Policy</c> and <c>RateLimit</c>; a refusal is 429 with <c>Retry-After</c>.
/// </summary>
internal sealed class TenantRateLimiting(RequestDelegate next, TenantLimits plans, Limiter limiter, PeriodQuotas quotas, LimitsMetrics metrics)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (context.User.FindFirstValue(KeelClaims.Kind) != KeelClaims.ManagementKey
            || await plans.PlanOfAsync(context.User.TenantId(), context.RequestAborted) is not { } plan)
        {
            await next(context);
            return;
        }
        var tenantId = context.User.TenantId();
        var ct = context.RequestAborted;
        List<RateLimitHeaders.Entry> entries = [];
        BucketSpec spec = default;
        LimitResult<BucketDecision>? taken = null;
        PeriodQuotaResult? quota = null;
        if (plan.HasRate)
        {
            spec = new BucketSpec(plan.RequestsPerSecond!.Value, plan.Burst ?? (long)Math.Ceiling(plan.RequestsPerSecond!.Value));
            // Bucket and quota in one step, so one Redis round trip; the quota is spent only if the bucket allows.
            (taken, quota) = plan.HasQuota
                ? await quotas.TakeAndConsumeAsync(tenantId, null, spec, plan.QuotaPeriod!, plan.QuotaLimit!.Value, 1, plan.FailOpen, plan.SoftLimits, ct)
                : (await limiter.TakeAsync("tenant:" + tenantId, spec, 1, plan.FailOpen, ct), null);
        }
        else if (plan.HasQuota)
        {
            quota = await quotas.ConsumeAsync(tenantId, null, plan.QuotaPeriod!, plan.QuotaLimit!.Value, 1, plan.FailOpen, plan.SoftLimits, ct);
        }
        if (taken is { } t)
        {
            if (t.Status == LimitStatus.Unavailable)
            {
                context.Response.Headers.RetryAfter = "1";
                await Problems.WriteAsync(context, ErrorCodes.RateLimitUnavailable);
                return;
            }
            var d = t.Decision;
            entries.Add(new("burst", spec.Burst, RateLimitHeaders.BucketWindow(spec.RequestsPerSecond, spec.Burst), d.Remaining, RateLimitHeaders.Seconds(d.ResetAfter)));
            metrics.Decided("tenant_rate", d.Allowed);
            if (!d.Allowed)
            {
                Headers(context, entries);
                context.Response.Headers.RetryAfter = Math.Max(1, RateLimitHeaders.Seconds(d.RetryAfter)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                await Problems.WriteAsync(context, ErrorCodes.RateLimitExceeded);
                return;
            }
        }
        if (quota is { } spent)
        {
            if (spent.Unavailable)
            {
                context.Response.Headers.RetryAfter = "1";
                await Problems.WriteAsync(context, ErrorCodes.RateLimitUnavailable);
                return;
            }
            var q = spent.Usage;
            entries.Add(new(plan.QuotaPeriod == "day" ? "daily" : "monthly", q.Limit, spent.WindowSeconds, q.Remaining, q.ResetSeconds));
            metrics.Decided("tenant_quota", spent.Allowed);
            if (!spent.Allowed && plan.HardCap)
            {
                Headers(context, entries);
                context.Response.Headers.RetryAfter = Math.Max(1, q.ResetSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
                await Problems.WriteAsync(context, ErrorCodes.QuotaExceeded);
                return;
            }
        }
        context.Response.OnStarting(() =>
        {
            Headers(context, entries);
            return Task.CompletedTask;
        });
        await next(context);
    }

    static void Headers(HttpContext context, List<RateLimitHeaders.Entry> entries)
    {
        if (entries.Count > 0)
        {
            context.Response.Headers["RateLimit-Policy"] = RateLimitHeaders.Policy(entries);
            context.Response.Headers["RateLimit"] = RateLimitHeaders.Current(entries);
        }
    }
}
