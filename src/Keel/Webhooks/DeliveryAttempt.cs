using Keel.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Keel.Webhooks;

/// <summary>One HTTP attempt of a delivery, as the receiver answered it (or why it could not).</summary>
public sealed class DeliveryAttempt : IHasId
{
    public required string Id { get; init; }
    public required string TenantId { get; init; }
    public required string DeliveryId { get; init; }
    public required string EndpointId { get; init; }
    public DateTime AttemptedAt { get; init; }
    public int? StatusCode { get; init; }
    public int LatencyMs { get; init; }
    /// <summary>The first 4 KB of the answer's body.</summary>
    public string? ResponseExcerpt { get; init; }
    /// <summary>Why the attempt failed without an answer (<c>webhooks.timeout</c>, ...), or null.</summary>
    public string? ErrorCode { get; init; }
    public string? ErrorDetail { get; init; }

    public const int MaxExcerptBytes = 4096;
}

internal sealed class DeliveryAttemptConfiguration : IEntityTypeConfiguration<DeliveryAttempt>
{
    public void Configure(EntityTypeBuilder<DeliveryAttempt> a)
    {
        a.ToTable("webhook_attempts");
        a.HasKey(x => new { x.TenantId, x.Id });
        a.Property(x => x.Id).HasMaxLength(40);
        a.Property(x => x.TenantId).HasMaxLength(40);
        a.Property(x => x.DeliveryId).HasMaxLength(40);
        a.Property(x => x.EndpointId).HasMaxLength(40);
        a.Property(x => x.ErrorCode).HasMaxLength(100);
        a.Property(x => x.ErrorDetail).HasMaxLength(500);
        a.HasIndex(x => new { x.TenantId, x.DeliveryId, x.Id });
        a.HasOne<Delivery>().WithMany().HasForeignKey(x => new { x.TenantId, x.DeliveryId }).OnDelete(DeleteBehavior.Cascade);
    }
}
