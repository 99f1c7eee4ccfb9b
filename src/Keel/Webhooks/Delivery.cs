using Keel.Events;
using Keel.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Keel.Webhooks;

/// <summary>One event on its way to one endpoint: pending until it succeeds or dies.</summary>
public sealed class Delivery : IHasId
{
    public required string Id { get; init; }
    public required string TenantId { get; init; }
    public required string EventId { get; init; }
    public required string EndpointId { get; init; }
    /// <summary>The event's type, kept here for bulk re-dispatch by type.</summary>
    public required string EventType { get; init; }
    public string Status { get; set; } = Pending;
    /// <summary>When the next attempt is due.</summary>
    public DateTime NextAttemptAt { get; set; }
    /// <summary>
    /// The end of the lease of the worker that claimed the delivery, cleared when its outcome is written: a worker
    /// that dies holding the delivery hands it back by simply not finishing. In no index, so that on PostgreSQL a
    /// claim is a HOT update (docs/architecture.md, Claims).
    /// </summary>
    public DateTime? LeasedUntil { get; set; }
    /// <summary>Fencing token: raised by every claim; a worker writes its result only if it still holds the token.</summary>
    public long LeaseToken { get; set; }
    public int AttemptCount { get; set; }
    /// <summary>Failed attempts in the current round; a re-dispatch starts a new round.</summary>
    public int RoundFailures { get; set; }
    public DateTime? LastAttemptAt { get; set; }
    public int? LastStatusCode { get; set; }
    public string? LastError { get; set; }
    public DateTime CreatedAt { get; init; }
    public DateTime? CompletedAt { get; set; }

    public const string Pending = "pending";
    public const string Succeeded = "succeeded";
    public const string Dead = "dead";
    public static readonly IReadOnlyList<string> Statuses = [Pending, Succeeded, Dead];
}

internal sealed class DeliveryConfiguration : IEntityTypeConfiguration<Delivery>
{
    public void Configure(EntityTypeBuilder<Delivery> d)
    {
        d.ToTable("webhook_deliveries");
        d.HasKey(x => new { x.TenantId, x.Id });
        d.Property(x => x.Id).HasMaxLength(40);
        d.Property(x => x.TenantId).HasMaxLength(40);
        d.Property(x => x.EventId).HasMaxLength(40);
        d.Property(x => x.EndpointId).HasMaxLength(40);
        d.Property(x => x.EventType).HasMaxLength(100);
        d.Property(x => x.Status).HasMaxLength(16);
        d.Property(x => x.LastError).HasMaxLength(100);
        d.Property(x => x.LeaseToken).IsConcurrencyToken();
        // The dispatcher's claim reads only due pending rows: a partial index keeps it small however
        // many finished deliveries the table holds.
        d.HasIndex(x => x.NextAttemptAt).HasFilter("status = 'pending'").HasDatabaseName("ix_webhook_deliveries_due");
        // Room on each page for the claim's new row version, which a HOT update must place on the same page.
        d.HasStorageParameter("fillfactor", 80);
        d.HasIndex(x => new { x.TenantId, x.EventId });
        d.HasIndex(x => new { x.TenantId, x.EndpointId, x.Id });
        d.HasIndex(x => new { x.TenantId, x.Status, x.Id });
        d.HasOne<OutboxEvent>().WithMany().HasForeignKey(x => new { x.TenantId, x.EventId }).OnDelete(DeleteBehavior.Cascade);
        d.HasOne<WebhookEndpoint>().WithMany().HasForeignKey(x => new { x.TenantId, x.EndpointId }).OnDelete(DeleteBehavior.Cascade);
    }
}
