using Keel.Events;
using Keel.Http;
using Keel.Keys;
using Keel.Webhooks;

namespace Keel.Storage;

/// <summary>
/// The database as one tenant sees it. The tenant comes from the credential, resolved once at the
/// edge; every query here starts from it, so a handler cannot forget the tenant and another tenant's
/// row is indistinguishable from a missing one.
/// </summary>
public sealed class TenantDb(KeelDb db, IHttpContextAccessor http)
{
    public string TenantId { get; } = (http.HttpContext ?? throw new InvalidOperationException("TenantDb used outside a request.")).User.TenantId();

    public KeelDb Db => db;

    public IQueryable<ApiKey> Keys => db.Keys.Where(k => k.TenantId == TenantId);
    public IQueryable<WebhookEndpoint> Endpoints => db.Endpoints.Where(e => e.TenantId == TenantId);
    public IQueryable<EndpointSecret> EndpointSecrets => db.EndpointSecrets.Where(s => s.TenantId == TenantId);
    public IQueryable<EventType> EventTypes => db.EventTypes.Where(t => t.TenantId == TenantId);
    public IQueryable<OutboxEvent> Events => db.Events.Where(e => e.TenantId == TenantId);
    public IQueryable<Delivery> Deliveries => db.Deliveries.Where(d => d.TenantId == TenantId);
    public IQueryable<DeliveryAttempt> Attempts => db.Attempts.Where(a => a.TenantId == TenantId);
    public IQueryable<Usage.Anomalies.Anomaly> Anomalies => db.Anomalies.Where(a => a.TenantId == TenantId);
}
