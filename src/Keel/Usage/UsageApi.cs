using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Keel.Http;
using Keel.Storage;
using Keel.Tenants;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Keel.Usage;

public static class UsageApi
{
    const string RangeText = "`from` and `to` are RFC 3339 times (`to` exclusive, default now); buckets are whole UTC minutes, hours or days, " +
        "`from` rounded down and `to` up to the bucket. Counts are exact across nodes as of each node's last flush (`Keys:Usage:FlushInterval`).";

    public static IEndpointRouteBuilder MapUsageApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/keys/{id}/usage", KeyUsage).WithName("getKeyUsage").WithTags("Analytics").RequireAuthorization(Permissions.UsageRead)
            .WithSummary("A key's verifications per minute, hour or day, by outcome")
            .WithDescription(RangeText + " Every bucket of the range is listed, zeros included. `granularity` defaults to `hour`; " +
                "a range holds at most 1,440 minutes, 744 hours or 731 days. `not_found` is always 0 here: an unknown key has no id, " +
                "see `/v1/analytics/auth-failures`.")
            .AuthProblems(ErrorCodes.InvalidQuery, ErrorCodes.NotFound);
        app.MapGet("/v1/analytics/keys", TopKeys).WithName("listTopKeys").WithTags("Analytics").RequireAuthorization(Permissions.UsageRead)
            .WithSummary("The tenant's keys with the most verifications or failures over a range")
            .WithDescription("`order_by` is `requests` (default) or `failures` (every outcome but `VALID`), ties by the other count then key id; `limit` 1-100 (default 10); " +
                "the range defaults to the last 24 hours and spans at most 731 days. " + RangeText)
            .AuthProblems(ErrorCodes.InvalidQuery);
        app.MapGet("/v1/analytics/auth-failures", AuthFailures).WithName("getAuthFailures").WithTags("Analytics").RequireAuthorization(Permissions.UsageRead)
            .WithSummary("The tenant's failed verifications per bucket, by code and by the key prefix tried")
            .WithDescription(RangeText + " `by_code` counts every outcome but `VALID`; `not_found_prefixes` splits `NOT_FOUND` by the prefix " +
                "of the key that was tried (only the prefix is ever kept; `(malformed)` for a key not shaped like a Keel key, `(other)` beyond " +
                "100 prefixes in a minute). Same range limits as key usage.")
            .AuthProblems(ErrorCodes.InvalidQuery);
        return app;
    }

    static async Task<Results<Ok<UsageList<KeyUsagePoint>>, ProblemHttpResult>> KeyUsage(
        string id, [DataType(DataType.DateTime)] string? from, [DataType(DataType.DateTime)] string? to,
        [AllowedValues("minute", "hour", "day"), DefaultValue("hour")] string? granularity, TenantDb tenant, UsageQueries usage, TimeProvider time, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var range = UsageRange.Series(from, to, granularity, time.GetUtcNow(), errors);
        if (errors.Count > 0)
        {
            return Invalid(errors);
        }
        if (!await tenant.Keys.AnyAsync(k => k.Id == id, ct))
        {
            return Problems.NotFound("key");
        }
        return TypedResults.Ok(new UsageList<KeyUsagePoint>(await usage.KeySeriesAsync(tenant.TenantId, id, range.From, range.To, range.Granularity, ct)));
    }

    static async Task<Results<Ok<UsageList<KeyTotals>>, ProblemHttpResult>> TopKeys(
        [DataType(DataType.DateTime)] string? from, [DataType(DataType.DateTime)] string? to,
        [AllowedValues("requests", "failures"), DefaultValue("requests")] string? order_by, [Range(1, 100), DefaultValue("10")] string? limit, TenantDb tenant, UsageQueries usage, TimeProvider time, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (order_by is not (null or "requests" or "failures"))
        {
            errors["order_by"] = ["order_by must be 'requests' or 'failures'."];
        }
        var count = 10;
        if (limit is not null && (!int.TryParse(limit, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out count) || count is < 1 or > 100))
        {
            errors["limit"] = ["limit must be a whole number from 1 to 100."];
        }
        var (start, end) = UsageRange.Totals(from, to, time.GetUtcNow(), errors);
        if (errors.Count > 0)
        {
            return Invalid(errors);
        }
        return TypedResults.Ok(new UsageList<KeyTotals>(await usage.TopKeysAsync(tenant.TenantId, start, end, order_by == "failures", count, ct)));
    }

    static async Task<Results<Ok<UsageList<FailurePoint>>, ProblemHttpResult>> AuthFailures(
        [DataType(DataType.DateTime)] string? from, [DataType(DataType.DateTime)] string? to,
        [AllowedValues("minute", "hour", "day"), DefaultValue("hour")] string? granularity, TenantDb tenant, UsageQueries usage, TimeProvider time, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var range = UsageRange.Series(from, to, granularity, time.GetUtcNow(), errors);
        if (errors.Count > 0)
        {
            return Invalid(errors);
        }
        return TypedResults.Ok(new UsageList<FailurePoint>(await usage.FailureSeriesAsync(tenant.TenantId, range.From, range.To, range.Granularity, ct)));
    }

    static ProblemHttpResult Invalid(Dictionary<string, string[]> errors) =>
        Problems.Of(ErrorCodes.InvalidQuery, "The query parameters are invalid.", errors);
}
