using Keel.Events;
using Keel.Storage;
using Microsoft.EntityFrameworkCore;
using NpgsqlTypes;

namespace Keel.Webhooks;

/// <summary>
/// Webhooks as a consumer of the outbox: one delivery per enabled endpoint whose filters take the event's type.
/// One event makes at most one delivery per endpoint, so <c>Tenants:MaxWebhookEndpoints</c> also bounds the
/// deliveries of a publish.
/// </summary>
internal sealed class WebhookFanout(DispatchSignal signal) : IOutboxConsumer
{
    const string InsertDeliveries = """
        INSERT INTO webhook_deliveries (id, tenant_id, event_id, endpoint_id, event_type, status, next_attempt_at, created_at,
                                        lease_token, attempt_count, round_failures)
        SELECT d.id, d.tenant_id, d.event_id, d.endpoint_id, d.event_type, 'pending', d.created_at, d.created_at, 0, 0, 0
        FROM unnest(@id, @tenant_id, @event_id, @endpoint_id, @event_type, @created_at)
            AS d(id, tenant_id, event_id, endpoint_id, event_type, created_at)
        """;

    public async Task<int> StageAsync(KeelDb db, IReadOnlyList<OutboxEvent> events, CancellationToken ct)
    {
        var deliveries = await DeliveriesOfAsync(db, events, ct);
        db.Deliveries.AddRange(deliveries);
        return deliveries.Count;
    }

    public async Task<int> WriteAsync(KeelDb db, IReadOnlyList<OutboxEvent> events, CancellationToken ct)
    {
        var deliveries = await DeliveriesOfAsync(db, events, ct);
        if (deliveries.Count > 0)
        {
            // The values of a new Delivery: pending, due at once, unclaimed, no attempt yet.
            await db.Database.ExecuteSqlRawAsync(InsertDeliveries, [
                PgArray.Of("id", deliveries.Select(d => d.Id), NpgsqlDbType.Text),
                PgArray.Of("tenant_id", deliveries.Select(d => d.TenantId), NpgsqlDbType.Text),
                PgArray.Of("event_id", deliveries.Select(d => d.EventId), NpgsqlDbType.Text),
                PgArray.Of("endpoint_id", deliveries.Select(d => d.EndpointId), NpgsqlDbType.Text),
                PgArray.Of("event_type", deliveries.Select(d => d.EventType), NpgsqlDbType.Text),
                PgArray.Of("created_at", deliveries.Select(d => d.CreatedAt), NpgsqlDbType.TimestampTz),
            ], ct);
        }
        return deliveries.Count;
    }

    /// <summary>The deliveries the events make, untracked: one per enabled endpoint of its tenant that takes its type.</summary>
    static async Task<List<Delivery>> DeliveriesOfAsync(KeelDb db, IReadOnlyList<OutboxEvent> events, CancellationToken ct)
    {
        var tenants = events.Select(e => e.TenantId).Distinct().ToArray();
        var endpoints = tenants.Length == 1
            ? db.Endpoints.Where(e => e.TenantId == tenants[0])
            : db.Endpoints.Where(e => tenants.Contains(e.TenantId));
        var byTenant = (await endpoints.AsNoTracking().Where(e => e.DisabledAt == null)
                .Select(e => new { e.TenantId, e.Id, e.EventTypes })
                .ToListAsync(ct))
            .ToLookup(e => e.TenantId);
        return [.. events.SelectMany(ev => byTenant[ev.TenantId].Where(e => EventTypeNames.Matches(e.EventTypes, ev.Type)).Select(endpoint => new Delivery
        {
            Id = Ids.New("dlv"),
            TenantId = ev.TenantId,
            EventId = ev.Id,
            EndpointId = endpoint.Id,
            EventType = ev.Type,
            NextAttemptAt = ev.CreatedAt,
            CreatedAt = ev.CreatedAt,
        }))];
    }

    /// <summary>Wakes this node's dispatcher and, on PostgreSQL, every other node's.</summary>
    public void Wake(KeelDb db) => signal.WakeAll(db);
}
