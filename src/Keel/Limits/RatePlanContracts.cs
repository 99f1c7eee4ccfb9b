using Keel.Http;

namespace Keel.Limits;

public sealed record RateSpec(double? RequestsPerSecond, long? Burst);

public sealed record QuotaSpec(string? Period, long? Limit, List<double>? SoftLimits, bool? HardCap);

public sealed record CreateRatePlanRequest(string? Name, RateSpec? Rate, QuotaSpec? Quota, bool? FailOpen);

public sealed record UpdateRatePlanRequest(PatchField<string> Name, PatchField<RateSpec?> Rate, PatchField<QuotaSpec?> Quota, PatchField<bool?> FailOpen);

public sealed record RateView(double RequestsPerSecond, long Burst);

public sealed record QuotaView(string Period, long Limit, IReadOnlyList<double> SoftLimits, bool HardCap);

public sealed record RatePlanView(string Id, string Name, string Scope, RateView? Rate, QuotaView? Quota, bool FailOpen, DateTime CreatedAt, DateTime UpdatedAt)
{
    public static RatePlanView From(RatePlan p) => new(
        p.Id, p.Name, p.TenantId is null ? "operator" : "tenant",
        p.HasRate ? new RateView(p.RequestsPerSecond!.Value, p.Burst ?? (long)Math.Ceiling(p.RequestsPerSecond!.Value)) : null,
        p.HasQuota ? new QuotaView(p.QuotaPeriod!, p.QuotaLimit!.Value, p.SoftLimits, p.HardCap) : null,
        p.FailOpen, p.CreatedAt, p.UpdatedAt);
}
