using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Keel.Limits;

/// <summary>
/// A quota counter as last flushed by a node that counts in memory (no Redis), so a restart resumes
/// from it instead of from zero. With Redis, Redis holds the counters and this table is unused.
/// </summary>
public sealed class QuotaUsage
{
    /// <summary>The counter's key, period included (<c>key:key_x:2026-11</c>).</summary>
    public required string Key { get; init; }
    public DateTime PeriodEnd { get; set; }
    public long Used { get; set; }
    public DateTime UpdatedAt { get; set; }
}

internal sealed class QuotaUsageConfiguration : IEntityTypeConfiguration<QuotaUsage>
{
    public void Configure(EntityTypeBuilder<QuotaUsage> usage)
    {
        usage.ToTable("quota_usage");
        usage.HasKey(u => u.Key);
        usage.Property(u => u.Key).HasMaxLength(300);
        usage.HasIndex(u => u.PeriodEnd);
    }
}
