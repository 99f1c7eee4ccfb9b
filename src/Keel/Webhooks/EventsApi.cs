using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Keel.Events;
using Keel.Http;
using Keel.Storage;
using Keel.Tenants;
using Keel.Webhooks.Publishing;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Keel.Webhooks;

public sealed record PublishEventRequest([property: Required] string? Type, [property: Required] JsonElement? Payload, string? IdempotencyKey);

public sealed record EventView(string Id, string Type, JsonElement Payload, DateTime Timestamp, string? IdempotencyKey)
{
    public static EventView From(OutboxEvent e) => new(e.Id, e.Type, JsonElement.Parse(e.Payload), e.CreatedAt, e.IdempotencyKey);
}

public static class EventsApi
{
    const int MaxPayloadBytes = 256 * 1024;
    const int MaxIdempotencyKey = 200;

    public static RouteGroupBuilder MapEventsApi(this IEndpointRouteBuilder app)
    {
        var events = app.MapGroup("/v1/events").WithTags("Webhooks");
        events.MapPost("/", PublishEvent).WithName("publishEvent").RequireAuthorization(Permissions.WebhooksWrite)
            .WithSummary("Publish an event").WithDescription(
                "Writes the event and one delivery per subscribed, enabled endpoint in one transaction, then answers 202. " +
                "With `idempotency_key` (or the `Idempotency-Key` header) a repeat within 24 h answers with the first event and creates nothing, " +
                "also when the two requests race; the answer then carries `Idempotent-Replayed: true`.")
            .BodyProblems(ErrorCodes.PayloadInvalid);
        events.MapGet("/", ListEvents).WithName("listEvents").RequireAuthorization(Permissions.WebhooksRead)
            .WithSummary("List events, newest first").AuthProblems(ErrorCodes.InvalidQuery);
        events.MapGet("/{id}", GetEvent).WithName("getEvent").RequireAuthorization(Permissions.WebhooksRead)
            .WithSummary("Get an event").AuthProblems(ErrorCodes.NotFound);
        events.MapGet("/{id}/deliveries", ListEventDeliveries).WithName("listEventDeliveries").RequireAuthorization(Permissions.WebhooksRead)
            .WithSummary("The event's deliveries, one per endpoint").AuthProblems(ErrorCodes.NotFound, ErrorCodes.InvalidQuery);
        return events;
    }

    static async Task<Results<Accepted<EventView>, ProblemHttpResult>> PublishEvent(
        PublishEventRequest body, [FromHeader(Name = "Idempotency-Key")] string? idempotencyHeader, HttpContext http,
        TenantDb tenant, PublishQueue queue, CancellationToken ct)
    {
        var key = body.IdempotencyKey ?? idempotencyHeader;
        var check = new Validation()
            .Require(EventTypeNames.IsValidName(body.Type), "type", $"type is dot-separated words of letters, digits, '_' and '-', at most {EventTypeNames.MaxLength} characters.")
            .Require(body.Type is null || !EventTypeNames.IsReserved(body.Type), "type", "key.*, quota.*, endpoint.*, anomaly.* and keel.*, in any letter case, are published by Keel only.")
            .Require(body.Payload is { ValueKind: not JsonValueKind.Undefined and not JsonValueKind.Null }, "payload", "payload is required (any JSON value, usually an object).")
            .Require(key is null || key.Length is > 0 and <= MaxIdempotencyKey, "idempotency_key", $"idempotency_key is 1 to {MaxIdempotencyKey} characters.")
            .Require(body.IdempotencyKey is null || idempotencyHeader is null || body.IdempotencyKey == idempotencyHeader, "idempotency_key",
                "idempotency_key and the Idempotency-Key header differ; send one of them.");
        var payloadText = body.Payload?.GetRawText();
        check.Require(payloadText is null || payloadText.Length <= MaxPayloadBytes, "payload", $"payload is at most {MaxPayloadBytes} bytes.")
            .Require(body.Payload is not { } p || JsonDepth.IsWithin(p), "payload", $"payload nests at most {JsonDepth.MaxStored} levels deep.");
        if (check.Failed)
        {
            return check.Problem();
        }
        var outcome = await queue.PublishAsync(new PendingPublish(tenant.TenantId, body.Type!, body.Payload!.Value, payloadText!, key), ct);
        if (outcome.Violations.Count > 0)
        {
            return Problems.Of(ErrorCodes.PayloadInvalid, $"The payload does not match the schema of '{body.Type}'.",
                new Dictionary<string, string[]> { ["payload"] = [.. outcome.Violations] });
        }
        return outcome.Replayed ? Replayed(http, outcome.Event!) : TypedResults.Accepted($"/v1/events/{outcome.Event!.Id}", EventView.From(outcome.Event));
    }

    static Accepted<EventView> Replayed(HttpContext http, OutboxEvent first)
    {
        http.Response.Headers["Idempotent-Replayed"] = "true";
        return TypedResults.Accepted($"/v1/events/{first.Id}", EventView.From(first));
    }

    static async Task<Ok<Page<EventView>>> ListEvents(string? limit, string? cursor, string? type, TenantDb tenant, CancellationToken ct)
    {
        var query = tenant.Events.AsNoTracking();
        if (type is not null)
        {
            query = query.Where(e => e.Type == type);
        }
        return TypedResults.Ok(await query.ToPageAsync(PageRequest.From(limit, cursor), EventView.From, ct));
    }

    static async Task<Results<Ok<EventView>, ProblemHttpResult>> GetEvent(string id, TenantDb tenant, CancellationToken ct) =>
        await tenant.Events.AsNoTracking().SingleOrDefaultAsync(e => e.Id == id, ct) is { } ev
            ? TypedResults.Ok(EventView.From(ev))
            : Problems.NotFound("event");

    static async Task<Results<Ok<Page<DeliveryView>>, ProblemHttpResult>> ListEventDeliveries(
        string id, string? limit, string? cursor, TenantDb tenant, CancellationToken ct)
    {
        var page = PageRequest.From(limit, cursor);
        if (!await tenant.Events.AnyAsync(e => e.Id == id, ct))
        {
            return Problems.NotFound("event");
        }
        return TypedResults.Ok(await tenant.Deliveries.AsNoTracking().Where(d => d.EventId == id).ToPageAsync(page, DeliveryView.From, ct));
    }
}
