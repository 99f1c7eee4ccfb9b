using Keel.Limits;
using Keel.Storage;
using Microsoft.EntityFrameworkCore;

namespace Keel.Keys;

/// <summary>Keys carry their plan's numbers in every node's cache: a plan's change evicts the keys on it, everywhere.</summary>
internal sealed class PlanChangeEviction(KeyChangeBus changes) : IRatePlanListener
{
    public async Task PlanChangedAsync(KeelDb db, string planId, CancellationToken ct) =>
        await changes.PublishAsync(await db.Keys.Where(k => k.PlanId == planId).Select(k => k.Hash).ToListAsync(ct), ct);
}
