using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Keel.Usage;

/// <summary>
/// Verifications of one key in one bucket by outcome. Minute rows carry the node that counted them (each
/// node writes its own cumulative count, so a repeated flush rewrites the same numbers); hour and day
/// rows are the rollup's sums over nodes, with <see cref="Node"/> empty. A key is never <c>NOT_FOUND</c>:
/// those are counted per tenant in <see cref="FailureCount"/>.
/// </summary>
public sealed class KeyUsageCount : IUsageRow
{
    public required string TenantId { get; init; }
    public required string KeyId { get; init; }
    public int Granularity { get; init; }
    public long Ts { get; init; }
    public required string Node { get; init; }
    public long Valid { get; init; }
    public long Revoked { get; init; }
    public long Expired { get; init; }
    public long ForbiddenScope { get; init; }
    public long RateLimited { get; init; }
    public long QuotaExceeded { get; init; }
}

internal sealed class KeyUsageCountConfiguration : IEntityTypeConfiguration<KeyUsageCount>
{
    public void Configure(EntityTypeBuilder<KeyUsageCount> row)
    {
        row.ToTable("usage_key_counts");
        // One key's series is a range of the primary key.
        row.HasKey(r => new { r.TenantId, r.KeyId, r.Granularity, r.Ts, r.Node });
        row.Property(r => r.TenantId).HasMaxLength(40);
        row.Property(r => r.KeyId).HasMaxLength(40);
        row.Property(r => r.Node).HasMaxLength(32);
        // A tenant's top keys over a range; the rollups and retention over every tenant's range.
        row.HasIndex(r => new { r.TenantId, r.Granularity, r.Ts });
        row.HasIndex(r => new { r.Granularity, r.Ts });
    }
}
