using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Keel.Usage;

/// <summary>
/// Failed verifications of one tenant in one bucket, by code; for <c>NOT_FOUND</c> also by the prefix of
/// the key that was tried (only the prefix: see <see cref="UsageCounter.NotFound"/>). Minute rows per node,
/// rollups with <see cref="Node"/> empty, as in <see cref="KeyUsageCount"/>.
/// </summary>
public sealed class FailureCount : IUsageRow
{
    public required string TenantId { get; init; }
    public int Granularity { get; init; }
    public long Ts { get; init; }
    public required string Code { get; init; }
    /// <summary>The tried prefix for <c>NOT_FOUND</c>; empty for the other codes.</summary>
    public required string Prefix { get; init; }
    public required string Node { get; init; }
    public long Count { get; init; }
}

internal sealed class FailureCountConfiguration : IEntityTypeConfiguration<FailureCount>
{
    public void Configure(EntityTypeBuilder<FailureCount> row)
    {
        row.ToTable("usage_failure_counts");
        row.HasKey(r => new { r.TenantId, r.Granularity, r.Ts, r.Code, r.Prefix, r.Node });
        row.Property(r => r.TenantId).HasMaxLength(40);
        row.Property(r => r.Code).HasMaxLength(20);
        row.Property(r => r.Prefix).HasMaxLength(32);
        row.Property(r => r.Node).HasMaxLength(32);
        row.HasIndex(r => new { r.Granularity, r.Ts });
    }
}
