namespace Keel.Usage;

/// <summary>One bucket of a key's verifications. <c>not_found</c> is always 0: an unknown key is counted per tenant (auth failures).</summary>
public sealed record KeyUsagePoint(
    DateTime Ts, long Valid, long NotFound, long Revoked, long Expired, long ForbiddenScope, long RateLimited, long QuotaExceeded);

/// <summary>A key's totals over a range: every verification, and those that were not <c>VALID</c>.</summary>
public sealed record KeyTotals(string KeyId, long Requests, long Failures);

/// <summary>
/// One bucket of a tenant's failed verifications: the total, per code, and for <c>NOT_FOUND</c> per tried prefix
/// (<c>(malformed)</c>: not a Keel-shaped key; <c>(other)</c>: beyond 100 distinct prefixes in a minute).
/// </summary>
public sealed record FailurePoint(DateTime Ts, long Count, IReadOnlyDictionary<string, long> ByCode, IReadOnlyDictionary<string, long> NotFoundPrefixes);

/// <summary>One key's verifications in one minute, summed over nodes (for detectors reading every tenant).</summary>
public sealed record KeyMinute(string TenantId, string KeyId, long Ts, long Valid, long Revoked, long Expired, long ForbiddenScope, long RateLimited, long QuotaExceeded)
{
    public long Requests => Valid + Revoked + Expired + ForbiddenScope + RateLimited + QuotaExceeded;
    public long Failures => Requests - Valid;
}

/// <summary>One tenant's failed verifications of one code in one minute, summed over nodes and prefixes.</summary>
public sealed record FailureMinute(string TenantId, long Ts, string Code, long Count);

public sealed record UsageList<T>(IReadOnlyList<T> Data);
