using System.Text.Json;
using Keel.Storage;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Keel.Webhooks;

/// <summary>
/// The transactional outbox. <c>StageAsync</c> adds an event and one delivery per subscribed
/// endpoint to the caller's unit of work, so they commit (or not) with the change that caused them:
/// there is no moment where a change is saved and its event is not. Dispatchers find the deliveries
/// in the table; <c>Wake</c> only makes them look sooner. One event makes at most one delivery per
/// endpoint, so <c>Tenants:MaxWebhookEndpoints</c> also bounds the deliveries of a publish.
/// </summary>
public sealed class Outbox(TimeProvider time, DispatchSignal signal, IOptions<JsonOptions> json)
{
    /// <summary>Stages Keel's own event (<c>key.created</c>, ...) with a payload serialised as the API would.</summary>
    public Task<StagedEvent> StageAsync(KeelDb db, string tenantId, string type, object payload, CancellationToken ct) =>
        StageAsync(db, tenantId, type, JsonSerializer.Serialize(payload, payload.GetType(), json.Value.SerializerOptions), null, ct);

    public async Task<StagedEvent> StageAsync(KeelDb db, string tenantId, string type, string payloadJson, string? idempotencyKey, CancellationToken ct)
    {
        var now = Microseconds(time.GetUtcNow().UtcDateTime);
        var ev = new WebhookEvent
        {
            Id = Ids.New("msg"),
            TenantId = tenantId,
            Type = type,
            Payload = payloadJson,
            IdempotencyKey = idempotencyKey,
            CreatedAt = now,
        };
        db.Events.Add(ev);
        var endpoints = await db.Endpoints.AsNoTracking()
            .Where(e => e.TenantId == tenantId && e.DisabledAt == null)
            .Select(e => new { e.Id, e.EventTypes })
            .ToListAsync(ct);
        var count = 0;
        foreach (var endpoint in endpoints.Where(e => EventTypeNames.Matches(e.EventTypes, type)))
        {
            db.Deliveries.Add(new Delivery
            {
                Id = Ids.New("dlv"),
                TenantId = tenantId,
                EventId = ev.Id,
                EndpointId = endpoint.Id,
                EventType = type,
                NextAttemptAt = now,
                CreatedAt = now,
            });
            count++;
        }
        return new StagedEvent(ev, count);
    }

    /// <summary>After the commit: wakes this node's dispatcher and, on PostgreSQL, every other node's.</summary>
    public void Wake(KeelDb db) => signal.WakeAll(db);

    /// <summary>Wakes dispatchers only if the staged event has deliveries to make.</summary>
    public void Wake(KeelDb db, StagedEvent staged)
    {
        if (staged.Deliveries > 0)
        {
            signal.WakeAll(db);
        }
    }

    /// <summary>PostgreSQL keeps microseconds: the time the API answers with is the time it will read back.</summary>
    static DateTime Microseconds(DateTime t) => new(t.Ticks - t.Ticks % 10, DateTimeKind.Utc);
}

public sealed record StagedEvent(WebhookEvent Event, int Deliveries);
