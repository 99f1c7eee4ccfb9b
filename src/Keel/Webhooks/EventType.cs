using Keel.Tenants;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Keel.Webhooks;

/// <summary>An entry of a tenant's event-type catalog, with an optional JSON Schema its payloads must meet.</summary>
public sealed class EventType
{
    public required string TenantId { get; init; }
    public required string Name { get; init; }
    public string? Description { get; set; }
    /// <summary>JSON Schema text (draft 2020-12, within <see cref="SchemaRules"/>); null accepts any payload.</summary>
    public string? Schema { get; set; }
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; set; }
}

internal sealed class EventTypeConfiguration : IEntityTypeConfiguration<EventType>
{
    public void Configure(EntityTypeBuilder<EventType> t)
    {
        t.ToTable("webhook_event_types");
        t.HasKey(x => new { x.TenantId, x.Name });
        t.Property(x => x.TenantId).HasMaxLength(40);
        t.Property(x => x.Name).HasMaxLength(100);
        t.Property(x => x.Description).HasMaxLength(500);
        t.HasOne<Tenant>().WithMany().HasForeignKey(x => x.TenantId).OnDelete(DeleteBehavior.Cascade);
    }
}
