using Keel.Jobs;
using Keel.Storage;
using Keel.Tenants;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Keel.Webhooks;

/// <summary>A tenant's URL that receives its events, signed with the endpoint's secrets.</summary>
public sealed class WebhookEndpoint : IHasId, IRotationScheduled
{
    public required string Id { get; init; }
    public required string TenantId { get; init; }
    public required string Url { get; set; }
    public string? Description { get; set; }
    /// <summary>Exact names and <c>prefix.*</c> wildcards; null means every type.</summary>
    public List<string>? EventTypes { get; set; }
    public List<string> SignatureVersions { get; set; } = [];
    public int? RateLimitPerSecond { get; set; }
    /// <summary>Deliver in publish order: the next waits until the previous one succeeded or died.</summary>
    public bool Ordered { get; set; }
    public DateTime? DisabledAt { get; set; }
    public string? DisabledReason { get; set; }
    /// <summary>The first failure since the last success; the endpoint is disabled when this gets too old.</summary>
    public DateTime? FailingSince { get; set; }
    /// <summary>
    /// The rate limiter's state (GCRA "theoretical arrival time", Unix microseconds), kept in the row so
    /// every worker process shares one limit per endpoint.
    /// </summary>
    public long RateTat { get; set; }
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; set; }
    public int? RotationEveryDays { get; set; }
    public int? RotationGraceSeconds { get; set; }
    public int? RotationNotifyDaysBefore { get; set; }
    public DateTime? NextRotationAt { get; set; }
    public DateTime? RotationNoticeDueAt { get; set; }

    public bool Enabled => DisabledAt is null;
}

internal sealed class WebhookEndpointConfiguration : IEntityTypeConfiguration<WebhookEndpoint>
{
    public void Configure(EntityTypeBuilder<WebhookEndpoint> e)
    {
        e.ToTable("webhook_endpoints");
        e.HasKey(x => new { x.TenantId, x.Id });
        e.Property(x => x.Id).HasMaxLength(40);
        e.Property(x => x.TenantId).HasMaxLength(40);
        e.Property(x => x.Url).HasMaxLength(2048);
        e.Property(x => x.Description).HasMaxLength(500);
        e.Property(x => x.DisabledReason).HasMaxLength(200);
        // The dispatcher reads and updates the endpoints of a batch, which spans tenants.
        e.HasIndex(x => x.Id).IsUnique();
        // The rotation scheduler reads only endpoints with something due.
        e.HasIndex(x => x.NextRotationAt).HasFilter("next_rotation_at IS NOT NULL").HasDatabaseName("ix_webhook_endpoints_rotation_due");
        e.HasIndex(x => x.RotationNoticeDueAt).HasFilter("rotation_notice_due_at IS NOT NULL").HasDatabaseName("ix_webhook_endpoints_rotation_notice_due");
        e.HasOne<Tenant>().WithMany().HasForeignKey(x => x.TenantId).OnDelete(DeleteBehavior.Cascade);
    }
}
