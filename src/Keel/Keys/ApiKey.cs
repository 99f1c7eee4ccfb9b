using Keel.Jobs;
using Keel.Storage;
using Keel.Tenants;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Keel.Keys;

/// <summary>
/// A client key (issued by a tenant to its customers, verified through Keel) or a management key
/// (calls Keel's API for one tenant, with a role). Only the SHA-256 of the secret is stored.
/// </summary>
public sealed class ApiKey : IHasId, IRotationScheduled
{
    public required string Id { get; init; }
    public required string TenantId { get; init; }
    public required string Kind { get; init; }
    public required string Name { get; set; }
    public required string Prefix { get; init; }
    /// <summary>The prefix and the first characters of the secret, enough to recognise a key in a list.</summary>
    public required string Start { get; init; }
    /// <summary>Lowercase hex SHA-256 of the whole secret; the secret itself is never stored.</summary>
    public required string Hash { get; init; }
    public string? OwnerId { get; init; }
    public string? Role { get; init; }
    public List<string> Scopes { get; set; } = [];
    /// <summary>JSON object text, returned as given.</summary>
    public string? Meta { get; set; }
    public DateTime? ExpiresAt { get; set; }
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; set; }
    public DateTime? RevokedAt { get; set; }
    public DateTime? LastUsedAt { get; set; }
    /// <summary>Set on a rotated key: the successor that replaces it once the grace period ends.</summary>
    public string? RotatedToId { get; set; }
    public string? RotatedFromId { get; init; }
    /// <summary>When <c>key.expiring</c> was announced for the current <see cref="ExpiresAt"/>; a new expiry clears it.</summary>
    public DateTime? ExpiryNoticeAt { get; set; }
    /// <summary>Credits left on a usage-limited key (each verify spends its cost); null: not usage-limited.</summary>
    public long? Remaining { get; set; }
    /// <summary><c>day</c> or <c>month</c>: at each UTC period start the balance is set back to <see cref="RefillAmount"/>.</summary>
    public string? RefillInterval { get; set; }
    public long? RefillAmount { get; set; }
    /// <summary>The start of the period the balance belongs to; a verify in a later period refills first.</summary>
    public DateTime? RefilledAt { get; set; }
    /// <summary>The tenant's rate plan checked at verify (client keys).</summary>
    public string? PlanId { get; set; }
    /// <summary>This key's own bucket, overriding its plan's.</summary>
    public double? RateRequestsPerSecond { get; set; }
    public long? RateBurst { get; set; }
    /// <summary>This key's own quota, overriding its plan's.</summary>
    public string? QuotaPeriod { get; set; }
    public long? QuotaLimit { get; set; }
    public int? RotationEveryDays { get; set; }
    public int? RotationGraceSeconds { get; set; }
    public int? RotationNotifyDaysBefore { get; set; }
    public DateTime? NextRotationAt { get; set; }
    public DateTime? RotationNoticeDueAt { get; set; }
    /// <summary>
    /// On a key rotated by its schedule: its successor's secret, encrypted under the master key (see
    /// <see cref="KeyRotation"/>) until it is fetched once or this key's grace ends. Null otherwise.
    /// </summary>
    public byte[]? SuccessorSecret { get; set; }

    public KeyState StateAt(DateTime now) => KeyStates.Of(RevokedAt, ExpiresAt, now);

    public const string Client = "client";
    public const string Management = "management";

    public Limits.OwnLimits OwnLimits() => new(RateRequestsPerSecond, RateBurst, QuotaPeriod, QuotaLimit);
}

internal sealed class ApiKeyConfiguration : IEntityTypeConfiguration<ApiKey>
{
    public void Configure(EntityTypeBuilder<ApiKey> key)
    {
        key.ToTable("api_keys");
        // The primary key leads with the tenant: every query starts from the tenant, and with a plain
        // (id) key PostgreSQL may walk ids newest first and filter out other tenants' rows, which is
        // slow behind another tenant's burst of keys (docs/benchmarks.md, Pagination).
        key.HasKey(k => new { k.TenantId, k.Id });
        key.Property(k => k.Id).HasMaxLength(40);
        key.Property(k => k.TenantId).HasMaxLength(40);
        key.Property(k => k.Kind).HasMaxLength(16);
        key.Property(k => k.Name).HasMaxLength(200);
        key.Property(k => k.Prefix).HasMaxLength(32);
        key.Property(k => k.Start).HasMaxLength(40);
        key.Property(k => k.Hash).HasMaxLength(64);
        key.Property(k => k.OwnerId).HasMaxLength(200);
        key.Property(k => k.Role).HasMaxLength(16);
        key.Property(k => k.RotatedToId).HasMaxLength(40);
        key.Property(k => k.RotatedFromId).HasMaxLength(40);
        key.Property(k => k.PlanId).HasMaxLength(40);
        key.Property(k => k.QuotaPeriod).HasMaxLength(8);
        key.Property(k => k.RefillInterval).HasMaxLength(8);
        // No foreign key: SQLite would rebuild the table to add one. The API checks the plan exists and
        // refuses to delete a plan in use; this index makes that check cheap.
        key.HasIndex(k => k.PlanId);
        // The expiry scan reads only keys with an expiry not yet announced.
        key.HasIndex(k => k.ExpiresAt).HasFilter("expires_at IS NOT NULL AND expiry_notice_at IS NULL AND revoked_at IS NULL")
            .HasDatabaseName("ix_api_keys_expiry_notice_due");
        // The rotation scheduler's scans read only keys with something due (the other indexes are just as partial).
        key.HasIndex(k => k.NextRotationAt).HasFilter("next_rotation_at IS NOT NULL").HasDatabaseName("ix_api_keys_rotation_due");
        key.HasIndex(k => k.RotationNoticeDueAt).HasFilter("rotation_notice_due_at IS NOT NULL").HasDatabaseName("ix_api_keys_rotation_notice_due");
        key.HasIndex(k => k.ExpiresAt, "ix_api_keys_successor_secret_held").HasFilter("successor_secret IS NOT NULL");
        key.HasIndex(k => k.Hash).IsUnique();
        key.HasOne<Tenant>().WithMany().HasForeignKey(k => k.TenantId).OnDelete(DeleteBehavior.Cascade);
    }
}
