using System.Security.Claims;
using Keel.Http;
using Keel.Storage;
using Keel.Tenants;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Keel.Limits;

public static class RatePlansApi
{
    const double MaxRate = 1_000_000;
    const long MaxBurst = 1_000_000_000;
    const string NameRule = $"name is 1 to 100 characters; it {DisplayNames.Rule}.";

    public static RouteGroupBuilder MapRatePlansApi(this IEndpointRouteBuilder app)
    {
        var plans = app.MapGroup("/v1/rate-plans").WithTags("Rate plans");
        plans.MapPost("/", CreatePlan).WithName("createRatePlan").RequireAuthorization(Permissions.PlansWrite)
            .WithSummary("Create a rate plan").WithDescription(
                "With the admin token: an operator plan, assigned to tenants (`PATCH /v1/tenants/{id} {plan_id}`), limiting their calls to Keel. " +
                "With a management key: the tenant's own plan, assigned to its client keys (`plan_id`) and checked at verify.")
            .BodyProblems();
        plans.MapGet("/", ListPlans).WithName("listRatePlans").RequireAuthorization(Permissions.PlansRead)
            .WithSummary("List rate plans (operator plans for the admin token, the tenant's own for a management key)").AuthProblems(ErrorCodes.InvalidQuery);
        plans.MapGet("/{id}", GetPlan).WithName("getRatePlan").RequireAuthorization(Permissions.PlansRead)
            .WithSummary("Get a rate plan").AuthProblems(ErrorCodes.NotFound);
        plans.MapPatch("/{id}", UpdatePlan).WithName("updateRatePlan").RequireAuthorization(Permissions.PlansWrite)
            .WithSummary("Change a rate plan").WithDescription("Absent fields stay; `rate: null` or `quota: null` removes that limit. Takes effect on every node within a second.")
            .BodyProblems(ErrorCodes.NotFound);
        plans.MapDelete("/{id}", DeletePlan).WithName("deleteRatePlan").RequireAuthorization(Permissions.PlansWrite)
            .WithSummary("Delete a rate plan that nothing uses (and that is not the default of new tenants)").AuthProblems(ErrorCodes.NotFound, ErrorCodes.Conflict);
        return plans;
    }

    /// <summary>The plans a caller may see: operator plans for the admin token, its own for a tenant.</summary>
    internal static IQueryable<RatePlan> Visible(KeelDb db, ClaimsPrincipal user) => user.IsPlatformAdmin()
        ? db.RatePlans.Where(p => p.TenantId == null)
        : db.RatePlans.Where(p => p.TenantId == user.TenantId());

    static async Task<Results<Created<RatePlanView>, ProblemHttpResult>> CreatePlan(
        CreateRatePlanRequest body, KeelDb db, ClaimsPrincipal user, TimeProvider time, CancellationToken ct)
    {
        var check = new Validation().Require(IsName(body.Name), "name", NameRule);
        CheckRate(check, body.Rate);
        CheckQuota(check, body.Quota);
        if (check.Failed)
        {
            return check.Problem();
        }
        var now = time.GetUtcNow().UtcDateTime;
        var plan = new RatePlan
        {
            Id = Ids.New("plan"),
            TenantId = user.IsPlatformAdmin() ? null : user.TenantId(),
            Name = body.Name!.Trim(),
            FailOpen = body.FailOpen ?? true,
            CreatedAt = now,
            UpdatedAt = now,
        };
        Apply(plan, true, body.Rate, true, body.Quota);
        db.RatePlans.Add(plan);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/v1/rate-plans/{plan.Id}", RatePlanView.From(plan));
    }

    static async Task<Ok<Page<RatePlanView>>> ListPlans(string? limit, string? cursor, KeelDb db, ClaimsPrincipal user, CancellationToken ct) =>
        TypedResults.Ok(await Visible(db, user).AsNoTracking().ToPageAsync(PageRequest.From(limit, cursor), RatePlanView.From, ct));

    static async Task<Results<Ok<RatePlanView>, ProblemHttpResult>> GetPlan(string id, KeelDb db, ClaimsPrincipal user, CancellationToken ct) =>
        await Visible(db, user).AsNoTracking().SingleOrDefaultAsync(p => p.Id == id, ct) is { } plan
            ? TypedResults.Ok(RatePlanView.From(plan))
            : Problems.NotFound("rate plan");

    static async Task<Results<Ok<RatePlanView>, ProblemHttpResult>> UpdatePlan(
        string id, UpdateRatePlanRequest body, KeelDb db, ClaimsPrincipal user, TimeProvider time, IEnumerable<IRatePlanListener> listeners,
        TenantLimits limits, CancellationToken ct)
    {
        var check = new Validation()
            .Require(!body.Name.IsSet || IsName(body.Name.Value), "name", NameRule)
            .Require(!body.FailOpen.IsSet || body.FailOpen.Value is not null, "fail_open", "fail_open must be true or false.");
        CheckRate(check, body.Rate.Value);
        CheckQuota(check, body.Quota.Value);
        if (check.Failed)
        {
            return check.Problem();
        }
        if (await Visible(db, user).SingleOrDefaultAsync(p => p.Id == id, ct) is not { } plan)
        {
            return Problems.NotFound("rate plan");
        }
        if (body.Name.IsSet)
        {
            plan.Name = body.Name.Value!.Trim();
        }
        if (body.FailOpen.IsSet)
        {
            plan.FailOpen = body.FailOpen.Value!.Value;
        }
        Apply(plan, body.Rate.IsSet, body.Rate.Value, body.Quota.IsSet, body.Quota.Value);
        plan.UpdatedAt = time.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(ct);
        foreach (var listener in listeners)
        {
            await listener.PlanChangedAsync(db, plan.Id, ct);
        }
        limits.ForgetPlans();
        return TypedResults.Ok(RatePlanView.From(plan));
    }

    static async Task<Results<NoContent, ProblemHttpResult>> DeletePlan(
        string id, KeelDb db, ClaimsPrincipal user, IOptions<TenantsOptions> tenants, CancellationToken ct)
    {
        if (await Visible(db, user).SingleOrDefaultAsync(p => p.Id == id, ct) is not { } plan)
        {
            return Problems.NotFound("rate plan");
        }
        if (plan.TenantId is null && plan.Id == tenants.Value.DefaultPlanId)
        {
            return Problems.Of(ErrorCodes.Conflict, "The plan is the default of new tenants (Tenants:DefaultPlanId); change that setting first.");
        }
        if (await db.Keys.AnyAsync(k => k.PlanId == id && k.RevokedAt == null, ct) || await db.Tenants.AnyAsync(t => t.PlanId == id && t.DeletedAt == null, ct))
        {
            return Problems.Of(ErrorCodes.Conflict, "The plan is assigned to a tenant or a key; assign another plan first.");
        }
        db.RatePlans.Remove(plan);
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }

    static bool IsName(string? name) => DisplayNames.IsDisplayable(name) && name!.Length <= 100;

    /// <summary>
    /// A plan's or a key's rate. The floor is the one <c>/v1/ratelimits/check</c> has, for the same reason: a bucket stays in
    /// memory (or Redis) until it is full again, and a revoked key's bucket at 10^-6 per second would stay for decades.
    /// </summary>
    internal static void CheckRate(Validation check, RateSpec? rate) =>
        check.Require(rate is null || (rate.RequestsPerSecond is > 0 and <= MaxRate && rate.Burst is null or (>= 1 and <= MaxBurst)
                && (rate.Burst ?? Math.Ceiling(rate.RequestsPerSecond.Value)) / rate.RequestsPerSecond.Value <= RateLimitsApi.MaxRefillSeconds), "rate",
            $"rate is {{requests_per_second: (0, {MaxRate}], burst: 1 to {MaxBurst} (default: requests_per_second rounded up)}}, and an empty " +
            $"bucket refills within a day (burst / requests_per_second at most {RateLimitsApi.MaxRefillSeconds}); a quota counts by the day or month.");

    internal static void CheckQuota(Validation check, QuotaSpec? quota) =>
        check.Require(quota is null || (quota.Period is "day" or "month" && quota.Limit is >= 1
                && (quota.SoftLimits is null || (quota.SoftLimits.Count <= 10 && quota.SoftLimits.All(f => f is > 0 and < 1)))), "quota",
            "quota is {period: day|month, limit: 1 or more, soft_limits: up to 10 fractions between 0 and 1, hard_cap: true|false}.");

    static void Apply(RatePlan plan, bool setRate, RateSpec? rate, bool setQuota, QuotaSpec? quota)
    {
        if (setRate)
        {
            plan.RequestsPerSecond = rate?.RequestsPerSecond;
            plan.Burst = rate is null ? null : rate.Burst ?? (long)Math.Ceiling(rate.RequestsPerSecond!.Value);
        }
        if (setQuota)
        {
            plan.QuotaPeriod = quota?.Period;
            plan.QuotaLimit = quota?.Limit;
            plan.SoftLimits = [.. (quota?.SoftLimits ?? []).Distinct().Order()];
            plan.HardCap = quota?.HardCap ?? true;
        }
    }
}
