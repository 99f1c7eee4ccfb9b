namespace Keel.Limits;

/// <summary>
/// The outcome of one consume from a quota counter: <paramref name="Used"/> is the count after it (unchanged when refused),
/// <paramref name="Remaining"/> what is left of <paramref name="Limit"/> (never negative, even after the limit was lowered).
/// </summary>
public readonly record struct QuotaDecision(bool Allowed, long Used, long Limit, long Remaining)
{
    internal static QuotaDecision Of(bool allowed, long used, long limit) => new(allowed, used, limit, Math.Max(0, limit - used));
}
