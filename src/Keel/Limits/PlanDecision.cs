namespace Keel.Limits;

/// <summary>
/// The outcome of a bucket take and a quota consume made together: <paramref name="Quota"/> is null when the bucket
/// refused, and then the quota was not touched.
/// </summary>
public readonly record struct PlanDecision(BucketDecision Bucket, QuotaDecision? Quota);
