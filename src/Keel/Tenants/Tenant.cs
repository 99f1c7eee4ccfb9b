using Keel.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Keel.Tenants;

public sealed class Tenant : IHasId
{
    public required string Id { get; init; }
    public required string Name { get; set; }
    public required string Slug { get; set; }
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; set; }
    /// <summary>Set when the tenant is deleted; its keys were revoked in the same transaction.</summary>
    public DateTime? DeletedAt { get; set; }
    /// <summary>The operator's rate plan that limits this tenant's calls to Keel; null for none.</summary>
    public string? PlanId { get; set; }
}

internal sealed class TenantConfiguration : IEntityTypeConfiguration<Tenant>
{
    public void Configure(EntityTypeBuilder<Tenant> tenant)
    {
        tenant.HasKey(t => t.Id);
        tenant.Property(t => t.Id).HasMaxLength(40);
        tenant.Property(t => t.Name).HasMaxLength(200);
        tenant.Property(t => t.Slug).HasMaxLength(63);
        // A deleted tenant frees its slug.
        tenant.HasIndex(t => t.Slug).IsUnique().HasFilter("deleted_at IS NULL");
        tenant.Property(t => t.PlanId).HasMaxLength(40);
        tenant.HasIndex(t => t.PlanId);
    }
}
