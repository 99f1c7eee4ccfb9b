using Keel.Keys;

namespace Keel.Usage;

/// <summary>The verify codes a key's counters hold, in column order (<c>NOT_FOUND</c> has no key: it is counted per tenant).</summary>
internal static class UsageOutcomes
{
    public const int Valid = 0;
    public const int KeyColumns = 6;

    public static readonly string[] Codes =
        [VerifyCodes.Valid, VerifyCodes.Revoked, VerifyCodes.Expired, VerifyCodes.ForbiddenScope, VerifyCodes.RateLimited, VerifyCodes.QuotaExceeded];

    /// <summary>The database column of each code, in the same order.</summary>
    public static readonly string[] Columns = ["valid", "revoked", "expired", "forbidden_scope", "rate_limited", "quota_exceeded"];

    public static int ColumnOf(string code) => code switch
    {
        VerifyCodes.Valid => 0,
        VerifyCodes.Revoked => 1,
        VerifyCodes.Expired => 2,
        VerifyCodes.ForbiddenScope => 3,
        VerifyCodes.RateLimited => 4,
        VerifyCodes.QuotaExceeded => 5,
        _ => throw new ArgumentOutOfRangeException(nameof(code), code, "Not an outcome of a known key."),
    };
}
