using System.ComponentModel.DataAnnotations;
using Keel.Events;
using Keel.Http;
using Keel.Storage;
using Keel.Tenants;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Keel.Webhooks;

public static class DeliveriesApi
{
    const int RedispatchBatch = 1000;
    /// <summary>When <c>POST /v1/dlq/replay</c> goes away (announced in its <c>Sunset</c> header).</summary>
    static readonly DateTimeOffset ReplaySunset = new(2027, 6, 30, 0, 0, 0, TimeSpan.Zero);
    static readonly DateTimeOffset ReplayDeprecated = new(2026, 11, 25, 0, 0, 0, TimeSpan.Zero);

    public static RouteGroupBuilder MapDeliveriesApi(this IEndpointRouteBuilder app)
    {
        var deliveries = app.MapGroup("/v1/deliveries").WithTags("Webhooks");
        deliveries.MapGet("/", ListDeliveries).WithName("listDeliveries").RequireAuthorization(Permissions.WebhooksRead)
            .WithSummary("List deliveries, newest first").WithDescription("`status` is `pending`, `succeeded` or `dead` (the dead-letter queue); `endpoint_id` narrows to one endpoint.")
            .AuthProblems(ErrorCodes.InvalidQuery);
        deliveries.MapGet("/{id}", GetDelivery).WithName("getDelivery").RequireAuthorization(Permissions.WebhooksRead)
            .WithSummary("Get a delivery").AuthProblems(ErrorCodes.NotFound);
        deliveries.MapGet("/{id}/attempts", ListAttempts).WithName("listDeliveryAttempts").RequireAuthorization(Permissions.WebhooksRead)
            .WithSummary("A delivery's attempts, newest first").WithDescription("Each with the status code, latency, the first 4 KB of the answer, or the error code of a failure without an answer.")
            .AuthProblems(ErrorCodes.NotFound, ErrorCodes.InvalidQuery);
        deliveries.MapPost("/{id}/redispatch", Redispatch).WithName("redispatchDelivery").RequireAuthorization(Permissions.WebhooksWrite)
            .WithSummary("Send a delivery again").WithDescription(
                "A dead delivery becomes pending with a fresh retry schedule. Idempotent: on a pending delivery (the first call's) or a succeeded one, a call changes nothing.")
            .AuthProblems(ErrorCodes.NotFound);
        deliveries.MapPost("/redispatch", BulkRedispatch).WithName("redispatchDeliveries").RequireAuthorization(Permissions.WebhooksWrite)
            .WithSummary("Send dead deliveries again, in bulk").WithDescription("Every dead delivery matching `endpoint_id`, `event_type` and the creation range `from`..`to` (all optional).")
            .BodyProblems();
        app.MapPost("/v1/dlq/replay", ReplayDeadLetters).WithName("replayDeadLetters").RequireAuthorization(Permissions.WebhooksWrite).WithTags("Webhooks")
            .WithSummary("Deprecated: use POST /v1/deliveries/redispatch").WithDescription(
                "Kept for existing clients; it does what `POST /v1/deliveries/redispatch` does and answers with `Deprecation`, `Sunset` and a `Link` to it.")
            // The document marks an obsolete route deprecated, with the headers it answers with.
            .WithMetadata(new ObsoleteAttribute("Use POST /v1/deliveries/redispatch."))
            .BodyProblems();
        return deliveries;
    }

    static async Task<Ok<Page<DeliveryView>>> ListDeliveries(
        string? limit, string? cursor, [AllowedValues(Delivery.Pending, Delivery.Succeeded, Delivery.Dead)] string? status, string? endpoint_id, TenantDb tenant, CancellationToken ct)
    {
        var page = PageRequest.From(limit, cursor);
        if (status is not null && !Delivery.Statuses.Contains(status))
        {
            throw ProblemException.InvalidQuery(new() { ["status"] = [$"status must be one of {string.Join(", ", Delivery.Statuses)}."] });
        }
        var query = tenant.Deliveries.AsNoTracking();
        if (status is not null)
        {
            query = query.Where(d => d.Status == status);
        }
        if (endpoint_id is not null)
        {
            query = query.Where(d => d.EndpointId == endpoint_id);
        }
        return TypedResults.Ok(await query.ToPageAsync(page, DeliveryView.From, ct));
    }

    static async Task<Results<Ok<DeliveryView>, ProblemHttpResult>> GetDelivery(string id, TenantDb tenant, CancellationToken ct) =>
        await tenant.Deliveries.AsNoTracking().SingleOrDefaultAsync(d => d.Id == id, ct) is { } delivery
            ? TypedResults.Ok(DeliveryView.From(delivery))
            : Problems.NotFound("delivery");

    static async Task<Results<Ok<Page<AttemptView>>, ProblemHttpResult>> ListAttempts(
        string id, string? limit, string? cursor, TenantDb tenant, CancellationToken ct)
    {
        var page = PageRequest.From(limit, cursor);
        if (!await tenant.Deliveries.AnyAsync(d => d.Id == id, ct))
        {
            return Problems.NotFound("delivery");
        }
        return TypedResults.Ok(await tenant.Attempts.AsNoTracking().Where(a => a.DeliveryId == id).ToPageAsync(page, AttemptView.From, ct));
    }

    static async Task<Results<Accepted<DeliveryView>, ProblemHttpResult>> Redispatch(
        string id, TenantDb tenant, TimeProvider time, Outbox outbox, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        // Conditional on "dead", so a second call (or a race of two) cannot queue it twice.
        var changed = await Requeue(tenant.Deliveries.Where(d => d.Id == id && d.Status == Delivery.Dead), now, ct);
        if (await tenant.Deliveries.AsNoTracking().SingleOrDefaultAsync(d => d.Id == id, ct) is not { } delivery)
        {
            return Problems.NotFound("delivery");
        }
        if (changed > 0)
        {
            outbox.Wake(tenant.Db);
        }
        return TypedResults.Accepted($"/v1/deliveries/{id}", DeliveryView.From(delivery));
    }

    static async Task<Results<Ok<BulkRedispatchResult>, ProblemHttpResult>> BulkRedispatch(
        BulkRedispatchRequest? body, TenantDb tenant, TimeProvider time, Outbox outbox, CancellationToken ct)
    {
        body ??= new BulkRedispatchRequest(null, null, null, null);
        var check = new Validation()
            .Require(body.From is null || body.To is null || body.From <= body.To, "from", "from must not be after to.")
            .Require(body.EventType is null || EventTypeNames.IsValidName(body.EventType), "event_type", "event_type is an event-type name.");
        if (check.Failed)
        {
            return check.Problem();
        }
        var query = tenant.Deliveries.Where(d => d.Status == Delivery.Dead);
        if (body.EndpointId is not null)
        {
            query = query.Where(d => d.EndpointId == body.EndpointId);
        }
        if (body.EventType is not null)
        {
            query = query.Where(d => d.EventType == body.EventType);
        }
        if (body.From is { } from)
        {
            query = query.Where(d => d.CreatedAt >= from.UtcDateTime);
        }
        if (body.To is { } to)
        {
            query = query.Where(d => d.CreatedAt <= to.UtcDateTime);
        }
        var now = time.GetUtcNow().UtcDateTime;
        var total = 0;
        // In batches, so a large dead-letter queue never becomes one long statement holding its locks.
        while (true)
        {
            var ids = await query.OrderBy(d => d.Id).Select(d => d.Id).Take(RedispatchBatch).ToListAsync(ct);
            if (ids.Count == 0)
            {
                break;
            }
            total += await Requeue(tenant.Deliveries.Where(d => ids.Contains(d.Id) && d.Status == Delivery.Dead), now, ct);
        }
        if (total > 0)
        {
            outbox.Wake(tenant.Db);
        }
        return TypedResults.Ok(new BulkRedispatchResult(total));
    }

    static async Task<Results<Ok<BulkRedispatchResult>, ProblemHttpResult>> ReplayDeadLetters(
        BulkRedispatchRequest? body, HttpContext http, TenantDb tenant, TimeProvider time, Outbox outbox, CancellationToken ct)
    {
        // RFC 9745 (Deprecation, a structured date), RFC 8594 (Sunset, an HTTP date), RFC 8288 (Link).
        http.Response.Headers["Deprecation"] = $"@{ReplayDeprecated.ToUnixTimeSeconds()}";
        http.Response.Headers["Sunset"] = ReplaySunset.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        http.Response.Headers.Link = "</v1/deliveries/redispatch>; rel=\"successor-version\"";
        return await BulkRedispatch(body, tenant, time, outbox, ct);
    }

    static Task<int> Requeue(IQueryable<Delivery> deliveries, DateTime now, CancellationToken ct) =>
        deliveries.ExecuteUpdateAsync(s => s
            .SetProperty(d => d.Status, Delivery.Pending)
            .SetProperty(d => d.NextAttemptAt, now)
            .SetProperty(d => d.LeasedUntil, (DateTime?)null)
            .SetProperty(d => d.RoundFailures, 0)
            .SetProperty(d => d.CompletedAt, (DateTime?)null)
            .SetProperty(d => d.LeaseToken, d => d.LeaseToken + 1), ct);
}
