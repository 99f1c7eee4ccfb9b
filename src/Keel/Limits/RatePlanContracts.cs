using System.ComponentModel.DataAnnotations;
using Keel.Http;

namespace Keel.Limits;

public sealed record RateSpec([property: Required] double? RequestsPerSecond, long? Burst);

public sealed record QuotaSpec([property: Required, AllowedValues("day", "month")] string? Period, [property: Required] long? Limit, List<double>? SoftLimits, bool? HardCap);

public sealed record CreateRatePlanRequest([property: Required] string? Name, RateSpec? Rate, QuotaSpec? Quota, bool? FailOpen);

public sealed record UpdateRatePlanRequest(PatchField<string> Name, PatchField<RateSpec?> Rate, PatchField<QuotaSpec?> Quota, [property: NullRefused] PatchField<bool?> FailOpen);

public sealed record RateView(double RequestsPerSecond, long Burst);

public sealed record QuotaView([property: AllowedValues("day", "month")] string Period, long Limit, IReadOnlyList<double> SoftLimits, bool HardCap);

/// <summary>A rate plan; <c>scope</c> says whose: the operator's (for tenants) or the tenant's (for its client keys).</summary>
public sealed record RatePlanView(string Id, string Name, [property: AllowedValues("operator", "tenant")] string Scope, RateView? Rate, QuotaView? Quota, bool FailOpen, DateTime CreatedAt, DateTime UpdatedAt)
{
    public static RatePlanView From(RatePlan p) => new(
        p.Id, p.Name, p.TenantId is null ? "operator" : "tenant",
        p.HasRate ? new RateView(p.RequestsPerSecond!.Value, p.Burst ?? (long)Math.Ceiling(p.RequestsPerSecond!.Value)) : null,
        p.HasQuota ? new QuotaView(p.QuotaPeriod!, p.QuotaLimit!.Value, p.SoftLimits, p.HardCap) : null,
        p.FailOpen, p.CreatedAt, p.UpdatedAt);
}
