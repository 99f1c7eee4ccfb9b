using Keel.Storage;
using Keel.Tenants;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Keel.Limits;

/// <summary>
/// A rate plan: a token bucket (<c>requests_per_second</c> refill, <c>burst</c> capacity) and a quota
/// per calendar period. An operator plan (no tenant, made with the admin token) limits a tenant's
/// calls to Keel; a tenant's own plan limits the client keys it is assigned to, at verify. The
/// RatePlans migration inserts the operator plans <c>plan_free</c>, <c>plan_pro</c> and
/// <c>plan_enterprise</c>, which an operator may edit or delete.
/// </summary>
public sealed class RatePlan : IHasId
{
    public required string Id { get; init; }
    /// <summary>Null for an operator plan.</summary>
    public string? TenantId { get; init; }
    public required string Name { get; set; }
    public double? RequestsPerSecond { get; set; }
    public long? Burst { get; set; }
    /// <summary><c>day</c> or <c>month</c> (UTC calendar periods).</summary>
    public string? QuotaPeriod { get; set; }
    public long? QuotaLimit { get; set; }
    /// <summary>Fractions of the limit that raise <c>quota.threshold_reached</c> once per period.</summary>
    public List<double> SoftLimits { get; set; } = [];
    /// <summary>Refuse calls once the quota is used up; otherwise only announce it.</summary>
    public bool HardCap { get; set; } = true;
    /// <summary>When Redis is unreachable: use this node's own buckets (true) or refuse (false).</summary>
    public bool FailOpen { get; set; } = true;
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; set; }

    public bool HasRate => RequestsPerSecond is not null;
    public bool HasQuota => QuotaPeriod is not null && QuotaLimit is not null;
}

internal sealed class RatePlanConfiguration : IEntityTypeConfiguration<RatePlan>
{
    public void Configure(EntityTypeBuilder<RatePlan> plan)
    {
        plan.ToTable("rate_plans");
        plan.HasKey(p => p.Id);
        plan.Property(p => p.Id).HasMaxLength(40);
        plan.Property(p => p.TenantId).HasMaxLength(40);
        plan.Property(p => p.Name).HasMaxLength(100);
        plan.Property(p => p.QuotaPeriod).HasMaxLength(8);
        plan.HasIndex(p => new { p.TenantId, p.Id });
        plan.HasOne<Tenant>().WithMany().HasForeignKey(p => p.TenantId).OnDelete(DeleteBehavior.Cascade);
    }
}
