using System.ComponentModel.DataAnnotations;
using Keel.Http;
using Keel.Storage;
using Keel.Tenants;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Keel.Usage.Anomalies;

public static class AnomaliesApi
{
    public static RouteGroupBuilder MapAnomaliesApi(this IEndpointRouteBuilder app)
    {
        var anomalies = app.MapGroup("/v1/anomalies").WithTags("Analytics");
        anomalies.MapGet("/", ListAnomalies).WithName("listAnomalies").RequireAuthorization(Permissions.UsageRead)
            .WithSummary("List detected anomalies, newest first").WithDescription(
                "Intervals in which a key's traffic (`series: key_traffic`) or the tenant's failed verifications (`series: auth_failures`) " +
                "scored at or above `Anomalies:Threshold`, each with the observed value and the expected range. `series`, `key_id`, " +
                "`from` and `to` (RFC 3339, compared with the interval's start) narrow the list. Each was also published as `anomaly.detected`.")
            .AuthProblems(ErrorCodes.InvalidQuery);
        return anomalies;
    }

    static async Task<Ok<Page<AnomalyView>>> ListAnomalies(
        string? limit, string? cursor, [AllowedValues(AnomalySeriesKinds.KeyTraffic, AnomalySeriesKinds.AuthFailures)] string? series, string? key_id,
        [DataType(DataType.DateTime)] string? from, [DataType(DataType.DateTime)] string? to, TenantDb tenant, CancellationToken ct)
    {
        var page = PageRequest.From(limit, cursor);
        Dictionary<string, string[]> errors = [];
        if (series is not null && !AnomalySeriesKinds.All.Contains(series))
        {
            errors["series"] = [$"series must be one of {string.Join(", ", AnomalySeriesKinds.All)}."];
        }
        var start = Instant(from, "from", errors);
        var end = Instant(to, "to", errors);
        if (errors.Count > 0)
        {
            throw ProblemException.InvalidQuery(errors);
        }
        var query = tenant.Anomalies.AsNoTracking();
        if (series is not null)
        {
            query = query.Where(a => a.Kind == series);
        }
        if (key_id is not null)
        {
            query = query.Where(a => a.KeyId == key_id);
        }
        if (start is { } s)
        {
            query = query.Where(a => a.IntervalStart >= s);
        }
        if (end is { } e)
        {
            query = query.Where(a => a.IntervalStart < e);
        }
        return TypedResults.Ok(await query.ToPageAsync(page, AnomalyView.From, ct));
    }

    static DateTime? Instant(string? value, string name, Dictionary<string, string[]> errors)
    {
        if (value is null)
        {
            return null;
        }
        if (UsageRange.TryTime(value, out var time))
        {
            return time.UtcDateTime;
        }
        errors[name] = [$"{name} must be an RFC 3339 time from 1970 on, such as 2026-01-31T00:00:00Z."];
        return null;
    }
}
