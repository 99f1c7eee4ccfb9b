using Keel.Storage;
using Keel.Tenants;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;

namespace Keel.Limits;

/// <summary>
/// Each tenant's operator plan, as the API limiter needs it on every request: read once and kept in
/// memory for <see cref="Ttl"/>. A change made on this node is seen at once; on other nodes within the TTL.
/// </summary>
public sealed class TenantLimits(IServiceScopeFactory scopes) : ITenantLifecycle, IDisposable
{
    public static readonly TimeSpan Ttl = TimeSpan.FromSeconds(10);

    /// <summary>Tenants whose plan a node keeps; past it the least recently read are dropped.</summary>
    public const int MaxTenants = 100_000;

    static readonly object None = new();

    readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = MaxTenants });
    long _generation;

    /// <summary>The tenant's plan, or null when it has none (it is then not limited).</summary>
    public async ValueTask<RatePlan?> PlanOfAsync(string tenantId, CancellationToken ct)
    {
        if (_cache.TryGetValue(tenantId, out var cached))
        {
            return cached as RatePlan;
        }
        var generation = Volatile.Read(ref _generation);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KeelDb>();
        var plan = await (from t in db.Tenants
                          join p in db.RatePlans on t.PlanId equals p.Id
                          where t.Id == tenantId
                          select p).AsNoTracking().SingleOrDefaultAsync(ct);
        _cache.Set(tenantId, plan ?? None, new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = Ttl, Size = 1 });
        // A plan changed while this read ran: what was read may be the old plan.
        if (Volatile.Read(ref _generation) != generation)
        {
            _cache.Remove(tenantId);
        }
        return plan;
    }

    public void Forget(string tenantId) => _cache.Remove(tenantId);

    void ITenantLifecycle.Changed(string tenantId) => Forget(tenantId);

    Task<Func<CancellationToken, Task>?> ITenantLifecycle.EndAsync(KeelDb db, string tenantId, DateTime now, CancellationToken ct)
    {
        Forget(tenantId);
        return Task.FromResult<Func<CancellationToken, Task>?>(null);
    }

    /// <summary>
    /// A plan changed: every tenant on it must read it again (rare enough to drop everything). The
    /// cache is cleared in place, never swapped and disposed under the requests reading it.
    /// </summary>
    public void ForgetPlans()
    {
        Interlocked.Increment(ref _generation);
        _cache.Clear();
    }

    public void Dispose() => _cache.Dispose();
}
