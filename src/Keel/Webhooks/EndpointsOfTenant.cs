using Keel.Storage;
using Keel.Tenants;
using Microsoft.EntityFrameworkCore;

namespace Keel.Webhooks;

/// <summary>A deleted tenant's customers get nothing more from it: its endpoints stop, pending deliveries included.</summary>
internal sealed class EndpointsOfTenant : ITenantLifecycle
{
    public async Task<Func<CancellationToken, Task>?> EndAsync(KeelDb db, string tenantId, DateTime now, CancellationToken ct)
    {
        await DisableAllAsync(db, tenantId, now, ct);
        return null;
    }

    public static Task<int> DisableAllAsync(KeelDb db, string tenantId, DateTime now, CancellationToken ct) =>
        db.Endpoints.Where(e => e.TenantId == tenantId && e.DisabledAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(e => e.DisabledAt, now).SetProperty(e => e.DisabledReason, "The tenant was deleted.")
                .SetProperty(e => e.UpdatedAt, now), ct);
}
