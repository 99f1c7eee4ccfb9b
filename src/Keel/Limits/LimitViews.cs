using System.ComponentModel.DataAnnotations;

namespace Keel.Limits;

/// <summary>The <c>ratelimit</c> of a verify answer or a check: the bucket's size, what is left, and when it is full again.</summary>
public sealed record RatelimitView(long Limit, long Remaining, long ResetSeconds, bool? Unavailable = null)
{
    public static RatelimitView From(BucketDecision d) => new(d.Limit, d.Remaining, RateLimitHeaders.Seconds(d.ResetAfter));
}

/// <summary>The <c>quota</c> of a verify answer: the period's limit, use so far, and when the period ends.</summary>
public sealed record QuotaUsageView([property: AllowedValues("day", "month")] string Period, long Limit, long Used, long Remaining, DateTimeOffset PeriodEnd, long ResetSeconds, bool? Unavailable = null);
