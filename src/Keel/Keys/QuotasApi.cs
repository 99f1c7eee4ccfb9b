using Keel.Http;
using Keel.Limits;
using Keel.Storage;
using Keel.Tenants;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Keel.Keys;

public sealed record KeyQuotaUsageView(string KeyId, string? PlanId, QuotaUsageView Quota);

public sealed record QuotasView(QuotaUsageView? Tenant, IReadOnlyList<KeyQuotaUsageView> Data, string? NextCursor);

public static class QuotasApi
{
    public static RouteHandlerBuilder MapQuotasApi(this IEndpointRouteBuilder app) =>
        app.MapGet("/v1/quotas", ListQuotas).WithName("listQuotas").WithTags("Rate plans").RequireAuthorization(Permissions.UsageRead)
            .WithSummary("Quota use this period: the tenant's (by its operator plan) and each client key's with a quota, newest key first")
            .AuthProblems(ErrorCodes.InvalidQuery);

    static async Task<Ok<QuotasView>> ListQuotas(
        string? limit, string? cursor, TenantDb tenant, TenantLimits plans, PeriodQuotas quotas, CancellationToken ct)
    {
        var page = PageRequest.From(limit, cursor);
        QuotaUsageView? own = null;
        if (await plans.PlanOfAsync(tenant.TenantId, ct) is { HasQuota: true } plan)
        {
            own = await quotas.UsageAsync(tenant.TenantId, null, plan.QuotaPeriod!, plan.QuotaLimit!.Value, ct);
        }
        var keys = await tenant.Keys.AsNoTracking()
            .Where(k => k.Kind == ApiKey.Client && k.RevokedAt == null && (k.QuotaLimit != null || tenant.Db.RatePlans.Any(p => p.Id == k.PlanId && p.QuotaLimit != null)))
            .ToPageAsync(page, k => k, ct);
        var planIds = keys.Data.Select(k => k.PlanId).OfType<string>().Distinct().ToList();
        var keyPlans = await tenant.Db.RatePlans.AsNoTracking().Where(p => planIds.Contains(p.Id)).ToDictionaryAsync(p => p.Id, ct);
        List<KeyQuotaUsageView> data = [];
        foreach (var key in keys.Data)
        {
            if (KeyLimits.Of(key.OwnLimits(), key.PlanId is null ? null : keyPlans.GetValueOrDefault(key.PlanId)) is { HasQuota: true } limits)
            {
                data.Add(new(key.Id, key.PlanId, await quotas.UsageAsync(tenant.TenantId, key.Id, limits.QuotaPeriod!, limits.QuotaLimit!.Value, ct)));
            }
        }
        return TypedResults.Ok(new QuotasView(own, data, keys.NextCursor));
    }
}
