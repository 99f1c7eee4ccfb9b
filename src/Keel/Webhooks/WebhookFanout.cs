using Keel.Events;
using Keel.Storage;
using Microsoft.EntityFrameworkCore;

namespace Keel.Webhooks;

/// <summary>
/// Webhooks as a consumer of the outbox: one delivery per enabled endpoint whose filters take the event's type.
/// One event makes at most one delivery per endpoint, so <c>Tenants:MaxWebhookEndpoints</c> also bounds the
/// deliveries of a publish.
/// </summary>
internal sealed class WebhookFanout(DispatchSignal signal) : IOutboxConsumer
{
    public async Task<int> StageAsync(KeelDb db, IReadOnlyList<OutboxEvent> events, CancellationToken ct)
    {
        var tenants = events.Select(e => e.TenantId).Distinct().ToArray();
        var endpoints = tenants.Length == 1
            ? db.Endpoints.Where(e => e.TenantId == tenants[0])
            : db.Endpoints.Where(e => tenants.Contains(e.TenantId));
        var byTenant = (await endpoints.AsNoTracking().Where(e => e.DisabledAt == null)
                .Select(e => new { e.TenantId, e.Id, e.EventTypes })
                .ToListAsync(ct))
            .ToLookup(e => e.TenantId);
        var count = 0;
        foreach (var ev in events)
        {
            foreach (var endpoint in byTenant[ev.TenantId].Where(e => EventTypeNames.Matches(e.EventTypes, ev.Type)))
            {
                db.Deliveries.Add(new Delivery
                {
                    Id = Ids.New("dlv"),
                    TenantId = ev.TenantId,
                    EventId = ev.Id,
                    EndpointId = endpoint.Id,
                    EventType = ev.Type,
                    NextAttemptAt = ev.CreatedAt,
                    CreatedAt = ev.CreatedAt,
                });
                count++;
            }
        }
        return count;
    }

    /// <summary>Wakes this node's dispatcher and, on PostgreSQL, every other node's.</summary>
    public void Wake(KeelDb db) => signal.WakeAll(db);
}
