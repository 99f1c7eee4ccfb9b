using Keel.Storage;
using Keel.Tenants;
using Microsoft.EntityFrameworkCore;

namespace Keel.Keys;

/// <summary>A deleted tenant's keys: all revoked with the deletion, then announced so every node's cache drops them.</summary>
internal sealed class KeysOfTenant(KeyChangeBus changes) : ITenantLifecycle
{
    public async Task<Func<CancellationToken, Task>?> EndAsync(KeelDb db, string tenantId, DateTime now, CancellationToken ct)
    {
        var hashes = await RevokeAllAsync(db, tenantId, now, ct);
        return hashes.Count == 0 ? null : ct => changes.PublishAsync(hashes, ct);
    }

    /// <summary>Revokes every live key of the tenant; returns their hashes, to announce after the commit.</summary>
    public static async Task<List<string>> RevokeAllAsync(KeelDb db, string tenantId, DateTime now, CancellationToken ct)
    {
        var hashes = await db.Keys.Where(k => k.TenantId == tenantId && k.RevokedAt == null).Select(k => k.Hash).ToListAsync(ct);
        await db.Keys.Where(k => k.TenantId == tenantId && k.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(k => k.RevokedAt, now).SetProperty(k => k.UpdatedAt, now), ct);
        return hashes;
    }
}
