using Keel.Storage;

namespace Keel.Limits;

/// <summary>Told after a rate plan's numbers changed, so what holds them per key (the key cache) lets go of them.</summary>
public interface IRatePlanListener
{
    Task PlanChangedAsync(KeelDb db, string planId, CancellationToken ct);
}
