using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Keel.Http;
using Keel.Tenants;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Keel.Limits;

public sealed record RateLimitCheckRequest(
    [property: Required] string? Namespace, [property: Required] string? Identifier, [property: Required] double? RequestsPerSecond, [property: Required] long? Burst,
    long? Cost);

public sealed record RateLimitCheckResult(bool Allowed, long Limit, long Remaining, long ResetSeconds, long RetryAfterSeconds);

public static class RateLimitsApi
{
    /// <summary>
    /// The longest an empty bucket may take to fill: a floor on the rate (burst / rate at most this), so a bucket left
    /// alone is full, hence gone from memory and from Redis, within a day. 10^-6 per second kept one for decades.
    /// </summary>
    public const int MaxRefillSeconds = 86_400;

    public static RouteHandlerBuilder MapRateLimitsApi(this IEndpointRouteBuilder app) =>
        app.MapPost("/v1/ratelimits/check", Check).WithName("checkRateLimit").WithTags("Rate plans").RequireAuthorization(Permissions.KeysVerify)
            .WithSummary("Take from a token bucket of your own").WithDescription(
                "Limits anything you name: the bucket `{namespace, identifier}` of this tenant holds `burst` tokens and refills at " +
                "`requests_per_second`; `cost` (default 1, 0 only reads) is taken if available. Exact across nodes when Redis is configured. " +
                "`reset_seconds` is when the bucket is full again, `retry_after_seconds` when `cost` would be allowed. " +
                "An empty bucket must refill within a day (`burst / requests_per_second` at most 86400); a bucket full again is forgotten. " +
                "A tenant holds at most `Tenants:MaxRateLimitBuckets` buckets that are not full at once (in Redis when configured, else in a node's " +
                "memory): past it a new bucket is refused (`resource.limit_reached`) and the others keep working.")
            .BodyProblems(ErrorCodes.RateLimitUnavailable, ErrorCodes.LimitReached);

    static async Task<Results<Ok<RateLimitCheckResult>, ProblemHttpResult>> Check(
        RateLimitCheckRequest body, ClaimsPrincipal user, Limiter limiter, IOptions<TenantsOptions> tenants, CancellationToken ct)
    {
        var check = new Validation()
            .Require(IsName(body.Namespace, 100), "namespace", "namespace is 1 to 100 characters.")
            .Require(IsName(body.Identifier, 200), "identifier", "identifier is 1 to 200 characters.")
            .Require(body.RequestsPerSecond is > 0 and <= 1_000_000 && (body.Burst is not { } burst || burst / body.RequestsPerSecond <= MaxRefillSeconds),
                "requests_per_second", $"requests_per_second is at most 1000000 and at least burst / {MaxRefillSeconds}: an empty bucket refills within a day.")
            .Require(body.Burst is >= 1 and <= 1_000_000_000, "burst", "burst is 1 to 1000000000.")
            .Require(body.Cost is null or (>= 0 and <= 1_000_000_000), "cost", "cost is 0 to 1000000000.");
        if (check.Failed)
        {
            return check.Problem();
        }
        // The tenant is part of the key: two tenants' identical names are different buckets.
        var tenantId = user.TenantId();
        var key = $"check:{tenantId}:{body.Namespace!.Length}:{body.Namespace}:{body.Identifier}";
        var cap = tenants.Value.MaxRateLimitBuckets;
        var taken = await limiter.TakeAsync(key, new BucketSpec(body.RequestsPerSecond!.Value, body.Burst!.Value), body.Cost ?? 1, failOpen: true,
            new BucketGroup("check:" + tenantId, cap), ct);
        if (taken.Status == LimitStatus.GroupFull)
        {
            return Problems.LimitReached("rate-limit buckets that are not full", cap);
        }
        var d = taken.Decision;
        return TypedResults.Ok(new RateLimitCheckResult(d.Allowed, d.Limit, d.Remaining, RateLimitHeaders.Seconds(d.ResetAfter),
            d.Never ? -1 : RateLimitHeaders.Seconds(d.RetryAfter)));
    }

    static bool IsName(string? s, int max) => !string.IsNullOrEmpty(s) && s.Length <= max;
}
