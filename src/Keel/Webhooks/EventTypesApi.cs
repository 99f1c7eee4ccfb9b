using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Keel.Events;
using Keel.Http;
using Keel.Storage;
using Keel.Tenants;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Keel.Webhooks;

public sealed record EventTypeRequest([property: Required] string? Name, string? Description, JsonElement? Schema);

public sealed record EventTypeView(string Name, string? Description, JsonElement? Schema, bool BuiltIn, DateTime? CreatedAt, DateTime? UpdatedAt)
{
    public static EventTypeView From(EventType t) =>
        new(t.Name, t.Description, t.Schema is null ? null : JsonElement.Parse(t.Schema), false, t.CreatedAt, t.UpdatedAt);
}

public static class EventTypesApi
{
    public static RouteGroupBuilder MapEventTypesApi(this IEndpointRouteBuilder app)
    {
        var types = app.MapGroup("/v1/event-types").WithTags("Webhooks");
        types.MapGet("/", ListEventTypes).WithName("listEventTypes").RequireAuthorization(Permissions.WebhooksRead)
            .WithSummary("List the event-type catalog").WithDescription(
                "The tenant's types by name, then the types Keel publishes itself (`built_in: true`) on the last page. " +
                "Pages hold up to `limit` types (default 50, at most 200) and at most 1 MB; follow `next_cursor`.")
            .AuthProblems(ErrorCodes.InvalidQuery);
        types.MapPost("/", PutEventType).WithName("putEventType").RequireAuthorization(Permissions.WebhooksWrite)
            .WithSummary("Add an event type, or replace its description and schema").WithDescription(
                "201 when new, 200 when it replaced one. With a `schema` (JSON Schema, draft 2020-12), every published payload of the type " +
                "is checked against it (`webhooks.payload_invalid`). A schema is at most 64 KB and 32 levels deep; every `$ref` is a JSON pointer " +
                "into the schema itself (`#/$defs/name`); a schema that applies itself to the same value in a loop, or multiplies the subschemas " +
                "one value meets beyond 10,000, is refused; each payload check runs on a budget of steps and time. " +
                "A tenant holds at most `Tenants:MaxEventTypes` types (`resource.limit_reached`).")
            .BodyProblems(ErrorCodes.Conflict, ErrorCodes.LimitReached);
        types.MapGet("/{name}", GetEventType).WithName("getEventType").RequireAuthorization(Permissions.WebhooksRead)
            .WithSummary("Get an event type").AuthProblems(ErrorCodes.NotFound);
        types.MapDelete("/{name}", DeleteEventType).WithName("deleteEventType").RequireAuthorization(Permissions.WebhooksWrite)
            .WithSummary("Remove an event type from the catalog (events of that type can still be published, unchecked)").AuthProblems(ErrorCodes.NotFound);
        return types;
    }

    static async Task<Ok<Page<EventTypeView>>> ListEventTypes(string? limit, string? cursor, TenantDb tenant, CancellationToken ct)
    {
        var request = PageRequest.From(limit, cursor);
        var own = tenant.EventTypes.AsNoTracking();
        if (request.After is { } after)
        {
            own = own.Where(t => string.Compare(t.Name, after) > 0);
        }
        var page = await own.OrderBy(t => t.Name).ToBoundedPageAsync(request, t => t.Name, EventTypeView.From, ct);
        if (page.NextCursor is not null)
        {
            return TypedResults.Ok(page);
        }
        // Keel's own types close the last page: a few short entries, beside the budget rather than in it.
        var builtIn = EventTypeNames.BuiltIn.OrderBy(b => b.Key, StringComparer.Ordinal)
            .Select(b => new EventTypeView(b.Key, b.Value, null, true, null, null));
        return TypedResults.Ok(new Page<EventTypeView>([.. page.Data, .. builtIn], null));
    }

    static async Task<Results<Created<EventTypeView>, Ok<EventTypeView>, ProblemHttpResult>> PutEventType(
        EventTypeRequest body, TenantDb tenant, TimeProvider time, IOptions<TenantsOptions> tenants, CancellationToken ct)
    {
        var check = new Validation()
            .Require(EventTypeNames.IsValidName(body.Name), "name", $"name is dot-separated words of letters, digits, '_' and '-', at most {EventTypeNames.MaxLength} characters.")
            .Require(body.Name is null || !EventTypeNames.IsReserved(body.Name), "name", "key.*, quota.*, endpoint.*, anomaly.* and keel.* are Keel's own types.")
            .Require(body.Description is null || body.Description.Length <= 500, "description", "description is at most 500 characters.");
        string? schemaText = null;
        if (body.Schema is { } schema)
        {
            schemaText = schema.GetRawText();
            check.Require(schema.ValueKind is JsonValueKind.Object or JsonValueKind.True or JsonValueKind.False, "schema", "schema must be a JSON Schema object.");
            if (!check.Failed && !EventSchemas.TryCompile(schemaText, out _, out var error))
            {
                check.Require(false, "schema", $"schema is not accepted: {error}");
            }
        }
        if (check.Failed)
        {
            return check.Problem();
        }
        var now = time.GetUtcNow().UtcDateTime;
        if (await tenant.EventTypes.SingleOrDefaultAsync(t => t.Name == body.Name, ct) is { } existing)
        {
            existing.Description = body.Description;
            existing.Schema = schemaText;
            existing.UpdatedAt = now;
            await tenant.Db.SaveChangesAsync(ct);
            return TypedResults.Ok(EventTypeView.From(existing));
        }
        var type = new EventType { TenantId = tenant.TenantId, Name = body.Name!, Description = body.Description, Schema = schemaText, CreatedAt = now, UpdatedAt = now };
        tenant.Db.EventTypes.Add(type);
        var cap = tenants.Value.MaxEventTypes;
        try
        {
            if (!await tenant.SaveWithinCapAsync(tenant.EventTypes, "event_types", cap, ct))
            {
                return Problems.LimitReached("event types", cap);
            }
        }
        catch (DbUpdateException e) when (DbErrors.IsUniqueViolation(e))
        {
            return Problems.Of(ErrorCodes.Conflict, "The type was created by another request at the same time; send it again to replace it.");
        }
        return TypedResults.Created($"/v1/event-types/{type.Name}", EventTypeView.From(type));
    }

    static async Task<Results<Ok<EventTypeView>, ProblemHttpResult>> GetEventType(string name, TenantDb tenant, CancellationToken ct)
    {
        if (EventTypeNames.BuiltIn.TryGetValue(name, out var description))
        {
            return TypedResults.Ok(new EventTypeView(name, description, null, true, null, null));
        }
        return await tenant.EventTypes.AsNoTracking().SingleOrDefaultAsync(t => t.Name == name, ct) is { } type
            ? TypedResults.Ok(EventTypeView.From(type))
            : Problems.NotFound("event type");
    }

    static async Task<Results<NoContent, ProblemHttpResult>> DeleteEventType(string name, TenantDb tenant, CancellationToken ct) =>
        await tenant.EventTypes.Where(t => t.Name == name).ExecuteDeleteAsync(ct) > 0
            ? TypedResults.NoContent()
            : Problems.NotFound("event type");
}
