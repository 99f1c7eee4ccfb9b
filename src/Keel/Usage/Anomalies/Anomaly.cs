using Keel.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Keel.Usage.Anomalies;

/// <summary>
/// One interval of one series that scored at or above <c>Anomalies:Threshold</c>, with the evidence:
/// what was observed, what the detector expected and the range it took as normal.
/// </summary>
public sealed class Anomaly : IHasId
{
    public required string Id { get; init; }
    public required string TenantId { get; init; }
    /// <summary><see cref="AnomalySeriesKinds.KeyTraffic"/> or <see cref="AnomalySeriesKinds.AuthFailures"/>.</summary>
    public required string Kind { get; init; }
    /// <summary>The key of a traffic series; null for the tenant's auth failures.</summary>
    public string? KeyId { get; init; }
    /// <summary>The start of the interval (a UTC minute).</summary>
    public DateTime IntervalStart { get; init; }
    public int IntervalSeconds { get; init; }
    public double Score { get; init; }
    public double Observed { get; init; }
    public double Baseline { get; init; }
    public double ExpectedLow { get; init; }
    public double ExpectedHigh { get; init; }
    public DateTime DetectedAt { get; init; }
}

public static class AnomalySeriesKinds
{
    /// <summary>Verifications of one key per interval, whatever their outcome.</summary>
    public const string KeyTraffic = "key_traffic";
    /// <summary>Failed verifications of one tenant per interval (unknown, revoked, expired keys, missing scopes).</summary>
    public const string AuthFailures = "auth_failures";

    public static readonly IReadOnlyList<string> All = [KeyTraffic, AuthFailures];
}

internal sealed class AnomalyConfiguration : IEntityTypeConfiguration<Anomaly>
{
    public void Configure(EntityTypeBuilder<Anomaly> anomaly)
    {
        anomaly.ToTable("anomalies");
        anomaly.HasKey(a => new { a.TenantId, a.Id });
        anomaly.Property(a => a.Id).HasMaxLength(40);
        anomaly.Property(a => a.TenantId).HasMaxLength(40);
        anomaly.Property(a => a.Kind).HasMaxLength(20);
        anomaly.Property(a => a.KeyId).HasMaxLength(40);
        // One anomaly per series and interval: a scan repeated after a crash or a lease change adds nothing.
        anomaly.HasIndex(a => new { a.TenantId, a.Kind, a.KeyId, a.IntervalStart }).IsUnique();
    }
}
