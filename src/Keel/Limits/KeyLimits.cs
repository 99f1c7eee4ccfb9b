namespace Keel.Limits;

/// <summary>The numbers a key sets for itself, overriding its plan's.</summary>
public sealed record OwnLimits(double? RequestsPerSecond, long? Burst, string? QuotaPeriod, long? QuotaLimit);

/// <summary>
/// What verify checks for one client key: its own rate and quota numbers where it has them, its
/// plan's otherwise; soft limits, the hard cap and the Redis failure mode always come from the plan.
/// </summary>
public sealed record KeyLimits(
    double? RequestsPerSecond, long? Burst, string? QuotaPeriod, long? QuotaLimit, IReadOnlyList<double> SoftLimits, bool HardCap, bool FailOpen)
{
    public bool HasRate => RequestsPerSecond is not null && Burst is not null;
    public bool HasQuota => QuotaPeriod is not null && QuotaLimit is not null;

    public static KeyLimits? Of(OwnLimits key, RatePlan? plan)
    {
        var (rps, burst) = key.RequestsPerSecond is { } own ? (own, key.Burst) : (plan?.RequestsPerSecond, plan?.Burst);
        var (period, limit) = key.QuotaLimit is { } ownLimit ? (key.QuotaPeriod, ownLimit) : (plan?.QuotaPeriod, plan?.QuotaLimit);
        var limits = new KeyLimits(rps, burst ?? (rps is { } r ? (long)Math.Ceiling(r) : null), period, limit,
            plan?.SoftLimits ?? [], plan?.HardCap ?? true, plan?.FailOpen ?? true);
        return limits.HasRate || limits.HasQuota ? limits : null;
    }
}
