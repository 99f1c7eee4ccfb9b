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

public sealed record PublishEventsRequest([property: Required] IReadOnlyList<PublishEventRequest>? Events);

/// <summary>An event of a batch publish, and whether it was already there (its idempotency key held it).</summary>
public sealed record PublishedEventView(string Id, string Type, JsonElement Payload, DateTime Timestamp, string? IdempotencyKey, bool Replayed)
{
    internal static PublishedEventView From(OutboxEvent e, bool replayed) =>
        new(e.Id, e.Type, JsonElement.Parse(e.Payload), e.CreatedAt, e.IdempotencyKey, replayed);
}

public sealed record PublishedEventsView(IReadOnlyList<PublishedEventView> Data);

public sealed record EventView(string Id, string Type, JsonElement Payload, DateTime Timestamp, string? IdempotencyKey)
{
    public static EventView From(OutboxEvent e) => new(e.Id, e.Type, JsonElement.Parse(e.Payload), e.CreatedAt, e.IdempotencyKey);
}

public static class EventsApi
{
    const int MaxPayloadBytes = 256 * 1024;
    const int MaxIdempotencyKey = 200;
    const int MaxBatch = 100;

    /// <summary>Publishing again after a schema changed mid-way; a schema that keeps changing ends in a conflict.</summary>
    const int MaxRounds = 3;

    public static RouteGroupBuilder MapEventsApi(this IEndpointRouteBuilder app)
    {
        var events = app.MapGroup("/v1/events").WithTags("Webhooks");
        events.MapPost("/", PublishEvent).WithName("publishEvent").RequireAuthorization(Permissions.WebhooksWrite)
            .WithSummary("Publish an event").WithDescription(
                "Writes the event and one delivery per subscribed, enabled endpoint in one transaction, then answers 202. " +
                "With `idempotency_key` (or the `Idempotency-Key` header) a repeat within 24 h answers with the first event and creates nothing, " +
                "also when the two requests race; the answer then carries `Idempotent-Replayed: true`.")
            .BodyProblems(ErrorCodes.PayloadInvalid, ErrorCodes.Conflict);
        events.MapPost("/batch", PublishEvents).WithName("publishEvents").RequireAuthorization(Permissions.WebhooksWrite)
            .WithSummary("Publish up to 100 events at once").WithDescription(
                "Writes every event and its deliveries in one transaction, or nothing: if any event is invalid, the answer is 400 with " +
                "the errors named by position (`events[3].payload`) and no event is written. Each event may carry its own `idempotency_key`; " +
                "an event whose key is held answers with the first event and `replayed: true`, and two events of one batch with one key are one event. " +
                "The answer (200) lists the events in the order sent; the `Idempotency-Key` header is refused. Counts as one request against the tenant's plan.")
            .BodyProblems(ErrorCodes.PayloadInvalid, ErrorCodes.Conflict);
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
        TenantDb tenant, EventSchemas schemas, PublishQueue queue, CancellationToken ct)
    {
        var key = body.IdempotencyKey ?? idempotencyHeader;
        var check = new Validation();
        var payloadText = CheckEvent(check, "", body.Type, body.Payload, key);
        check.Require(body.IdempotencyKey is null || idempotencyHeader is null || body.IdempotencyKey == idempotencyHeader, "idempotency_key",
            "idempotency_key and the Idempotency-Key header differ; send one of them.");
        if (check.Failed)
        {
            return check.Problem();
        }
        // Sent unchecked: the writer defers it only when its type has a schema, which is then checked here.
        var publish = new PendingPublish(tenant.TenantId, body.Type!, payloadText!, key);
        for (var round = 1; ; round++)
        {
            var outcome = await queue.PublishAsync(publish, ct);
            if (outcome.Event is { } written)
            {
                return outcome.Replayed ? Replayed(http, written) : TypedResults.Accepted($"/v1/events/{written.Id}", EventView.From(written));
            }
            if (round == MaxRounds)
            {
                return SchemaKeptChanging();
            }
            if (outcome.Schema is { } schema && schemas.Check(tenant.TenantId, publish.Type, schema, body.Payload!.Value) is { Count: > 0 } violations)
            {
                return Problems.Of(ErrorCodes.PayloadInvalid, $"The payload does not match the schema of '{body.Type}'.",
                    new Dictionary<string, string[]> { ["payload"] = [.. violations] });
            }
            publish = publish.CheckedAgainst(outcome.Schema);
        }
    }

    // 200, not 202 with a Location: a batch made many resources, and the answer lists them.
    static async Task<Results<Ok<PublishedEventsView>, ProblemHttpResult>> PublishEvents(
        PublishEventsRequest body, HttpContext http, TenantDb tenant, EventSchemas schemas, PublishBatch batches, CancellationToken ct)
    {
        var check = new Validation()
            .Require(body.Events is { Count: > 0 and <= MaxBatch }, "events", $"events lists 1 to {MaxBatch} events.")
            .Require(!http.Request.Headers.ContainsKey("Idempotency-Key"), "Idempotency-Key",
                "A batch has no key of its own: give each event its idempotency_key.");
        var items = body.Events ?? [];
        var pending = new List<PendingPublish>(items.Count);
        for (var i = 0; i < items.Count && i < MaxBatch; i++)
        {
            var item = items[i];
            if (item is null)
            {
                check.Require(false, $"events[{i}]", "An event is an object with type and payload.");
                continue;
            }
            var payloadText = CheckEvent(check, $"events[{i}].", item.Type, item.Payload, item.IdempotencyKey);
            if (!check.Failed)
            {
                pending.Add(new PendingPublish(tenant.TenantId, item.Type!, payloadText!, item.IdempotencyKey));
            }
        }
        if (check.Failed)
        {
            return check.Problem();
        }
        // A batch looks its schemas up itself (one query for up to 100 events) and checks them all before writing any.
        for (var round = 1; round <= MaxRounds; round++)
        {
            var schemaOf = await SchemasAsync(tenant, pending.Select(p => p.Type), ct);
            var keysOfValid = new HashSet<string>();
            var errors = new Dictionary<string, string[]>();
            for (var i = 0; i < pending.Count; i++)
            {
                if (await ViolationsAsync(schemaOf, schemas, batches, tenant.TenantId, pending[i], items[i]!.Payload!.Value, keysOfValid, ct) is { } violations)
                {
                    errors[$"events[{i}].payload"] = violations;
                }
                else if (pending[i].IdempotencyKey is { } key)
                {
                    keysOfValid.Add(key);
                }
            }
            if (errors.Count > 0)
            {
                return Problems.Of(ErrorCodes.PayloadInvalid, "Payloads do not match their event types' schemas; no event was written.", errors);
            }
            var outcomes = await batches.WriteAllAsync([.. pending.Select(p => p.CheckedAgainst(schemaOf.GetValueOrDefault(p.Type)))], ct);
            if (!outcomes.Any(o => o.Deferred))
            {
                return TypedResults.Ok(new PublishedEventsView([.. outcomes.Select(o => PublishedEventView.From(o.Event!, o.Replayed))]));
            }
        }
        return SchemaKeptChanging();
    }

    static ProblemHttpResult SchemaKeptChanging() =>
        Problems.Of(ErrorCodes.Conflict, "The event type's schema changed while the event was being published; publish it again.");

    /// <summary>The schemas of the tenant's event types among <paramref name="types"/> that have one.</summary>
    static async Task<Dictionary<string, string>> SchemasAsync(TenantDb tenant, IEnumerable<string> types, CancellationToken ct)
    {
        var names = types.Distinct().ToArray();
        return await tenant.EventTypes.AsNoTracking().Where(t => names.Contains(t.Name) && t.Schema != null)
            .ToDictionaryAsync(t => t.Name, t => t.Schema!, ct);
    }

    /// <summary>
    /// The payload's violations of its type's schema, or null when it passes. Checked in the request, on the tenant's
    /// own time. A publish whose key an accepted publish holds (in the database, or earlier in the same batch:
    /// <paramref name="keysOfValid"/>) is a repeat of it and answers with it, whatever the schema says now.
    /// </summary>
    static async Task<string[]?> ViolationsAsync(Dictionary<string, string> schemaOf, EventSchemas schemas, PublishBatch batches,
        string tenantId, PendingPublish publish, JsonElement payload, HashSet<string> keysOfValid, CancellationToken ct)
    {
        if (!schemaOf.TryGetValue(publish.Type, out var schema) || schemas.Check(tenantId, publish.Type, schema, payload) is not { Count: > 0 } violations)
        {
            return null;
        }
        var isRepeat = publish.IdempotencyKey is { } key && (keysOfValid.Contains(key) || await batches.HolderAsync(publish, ct) is not null);
        return isRepeat ? null : [.. violations];
    }

    /// <summary>Checks one event's fields, naming them after <paramref name="prefix"/>; returns its payload's JSON text.</summary>
    static string? CheckEvent(Validation check, string prefix, string? type, JsonElement? payload, string? key)
    {
        check.Require(EventTypeNames.IsValidName(type), prefix + "type", $"type is dot-separated words of letters, digits, '_' and '-', at most {EventTypeNames.MaxLength} characters.")
            .Require(type is null || !EventTypeNames.IsReserved(type), prefix + "type", "key.*, quota.*, endpoint.*, anomaly.* and keel.*, in any letter case, are published by Keel only.")
            .Require(payload is { ValueKind: not JsonValueKind.Undefined and not JsonValueKind.Null }, prefix + "payload", "payload is required (any JSON value, usually an object).")
            .Require(key is null || key.Length is > 0 and <= MaxIdempotencyKey, prefix + "idempotency_key", $"idempotency_key is 1 to {MaxIdempotencyKey} characters.");
        var payloadText = payload?.GetRawText();
        check.Require(payloadText is null || payloadText.Length <= MaxPayloadBytes, prefix + "payload", $"payload is at most {MaxPayloadBytes} bytes.")
            .Require(payload is not { } p || JsonDepth.IsWithin(p), prefix + "payload", $"payload nests at most {JsonDepth.MaxStored} levels deep.");
        return payloadText;
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
