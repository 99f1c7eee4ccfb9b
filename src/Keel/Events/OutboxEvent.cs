using Keel.Storage;
using Keel.Tenants;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Keel.Events;

/// <summary>A published event (the outbox row). Its id is the <c>webhook-id</c> of every delivery of it.</summary>
public sealed class OutboxEvent : IHasId
{
    public required string Id { get; init; }
    public required string TenantId { get; init; }
    public required string Type { get; init; }
    /// <summary>The payload's JSON text as published.</summary>
    public required string Payload { get; init; }
    /// <summary>Cleared when the idempotency window ends, so the key can be used again.</summary>
    public string? IdempotencyKey { get; set; }
    public DateTime CreatedAt { get; init; }
}

internal sealed class OutboxEventConfiguration : IEntityTypeConfiguration<OutboxEvent>
{
    public void Configure(EntityTypeBuilder<OutboxEvent> e)
    {
        e.ToTable("webhook_events");
        e.HasKey(x => new { x.TenantId, x.Id });
        e.Property(x => x.Id).HasMaxLength(40);
        e.Property(x => x.TenantId).HasMaxLength(40);
        e.Property(x => x.Type).HasMaxLength(100);
        e.Property(x => x.IdempotencyKey).HasMaxLength(200);
        // The race of two identical publishes is settled here: the second insert fails and reads the first.
        e.HasIndex(x => new { x.TenantId, x.IdempotencyKey }).IsUnique().HasFilter("idempotency_key IS NOT NULL");
        e.HasOne<Tenant>().WithMany().HasForeignKey(x => x.TenantId).OnDelete(DeleteBehavior.Cascade);
    }
}
